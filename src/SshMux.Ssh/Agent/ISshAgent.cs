namespace SshMux.Ssh.Agent;

/// <summary>
/// The two agent operations publickey authentication needs (RFC 9987: SSH_AGENTC_REQUEST_IDENTITIES
/// and SSH_AGENTC_SIGN_REQUEST). <see cref="SshAgentClient"/> opens a fresh connection per call;
/// <see cref="SshAgentConnection"/> keeps one open for a batch of calls.
/// </summary>
public interface ISshAgent
{
    /// <summary>Lists the agent's keys; keys this library cannot use are left out.</summary>
    ValueTask<IReadOnlyList<SshAgentKey>> RequestIdentitiesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks the agent to sign <paramref name="data"/> with the key named by <paramref name="keyBlob"/>
    /// and returns the signature blob (string algorithm, string signature) exactly as the agent sent it.
    /// This does not check the algorithm or the signature; <see cref="AgentIdentity"/> does.
    /// </summary>
    ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> keyBlob, ReadOnlyMemory<byte> data, SshAgentSignFlags flags, CancellationToken cancellationToken = default);
}
