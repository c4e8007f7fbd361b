using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Agent;

/// <summary>
/// A key held by an ssh-agent, as a publickey authentication identity. Every signature the
/// agent returns is checked before it is used: its algorithm must be the one requested (an
/// agent that ignores SSH_AGENT_RSA_SHA2_* flags would silently downgrade to SHA-1 ssh-rsa,
/// RFC 8332 section 3 / RFC 9987 signature flags), and it must verify with the public key,
/// so a broken agent fails here with a clear message rather than as an opaque server refusal.
/// </summary>
public sealed class AgentIdentity : ISshIdentity
{
    private readonly ISshAgent _agent;
    private readonly SshAgentKey _key;

    /// <summary>A plain key listed by the agent.</summary>
    public AgentIdentity(ISshAgent agent, SshAgentKey key)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(key);
        if (key.PublicKey is null)
        {
            throw new ArgumentException(
                $"{key} is a certificate: give its subject key with the AgentIdentity(agent, certificate, subjectKey) constructor", nameof(key));
        }

        _agent = agent;
        _key = key;
        PublicKey = key.PublicKey;
    }

    /// <summary>
    /// A certificate listed by the agent, signing with <paramref name="subjectKey"/> (the key the
    /// certificate certifies, which the certificate layer parses out of it). A subject key that
    /// does not belong to the certificate shows up at the first signature, which will not verify.
    /// </summary>
    public AgentIdentity(ISshAgent agent, SshAgentKey certificate, SshPublicKey subjectKey)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(subjectKey);
        _agent = agent;
        _key = certificate;
        PublicKey = subjectKey;
    }

    /// <inheritdoc/>
    public string KeyType => _key.KeyType;

    /// <inheritdoc/>
    public ReadOnlyMemory<byte> PublicKeyBlob => _key.Blob;

    /// <inheritdoc/>
    public SshPublicKey PublicKey { get; }

    /// <inheritdoc/>
    public string Comment => _key.Comment;

    /// <summary>The agent's listing of this key.</summary>
    public SshAgentKey AgentKey => _key;

    /// <summary>
    /// Lists the agent's keys as identities (certificates are left out until their subject key
    /// can be parsed; wrap them with the certificate constructor). Signatures go through
    /// <paramref name="agent"/>: an <see cref="SshAgentClient"/> reconnects for each one.
    /// </summary>
    public static async ValueTask<IReadOnlyList<AgentIdentity>> FromAgentAsync(ISshAgent agent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var keys = await agent.RequestIdentitiesAsync(cancellationToken).ConfigureAwait(false);
        var identities = new List<AgentIdentity>(keys.Count);
        foreach (var key in keys)
        {
            if (!key.IsCertificate)
            {
                identities.Add(new AgentIdentity(agent, key));
            }
        }

        return identities;
    }

    /// <inheritdoc/>
    public async ValueTask<byte[]> SignAsync(string signatureAlgorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signatureAlgorithm);
        if (!PublicKey.SignatureAlgorithms.Contains(signatureAlgorithm))
        {
            throw new ArgumentException($"{Describe()} cannot make {signatureAlgorithm} signatures", nameof(signatureAlgorithm));
        }

        var signature = await _agent.SignAsync(_key.Blob, data, SshAgentProtocol.FlagsFor(signatureAlgorithm), cancellationToken).ConfigureAwait(false);

        string returned;
        try
        {
            returned = SshAgentProtocol.ReadSignatureAlgorithm(signature);
        }
        catch (SshException e) when (e is not SshAgentException)
        {
            throw new SshAgentException(SshAgentError.ProtocolError, $"The agent returned a malformed signature for {Describe()}: {e.Message}", e);
        }

        if (!string.Equals(returned, signatureAlgorithm, StringComparison.Ordinal))
        {
            var why = returned == "ssh-rsa" ? "refusing the downgrade to SHA-1" : "refusing it";
            throw new SshAgentException(SshAgentError.AlgorithmMismatch,
                $"The agent returned a {SshPublicKey.Truncate(returned)} signature when {signatureAlgorithm} was requested for {Describe()}; {why}");
        }

        if (!PublicKey.Verify(signatureAlgorithm, data.Span, signature))
        {
            throw new SshAgentException(SshAgentError.InvalidSignature,
                $"The agent's {signatureAlgorithm} signature with {Describe()} does not verify with its public key");
        }

        return signature;
    }

    public override string ToString() => Describe();

    private string Describe() => _key.ToString();
}
