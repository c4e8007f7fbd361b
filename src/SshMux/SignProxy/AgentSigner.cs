using System.Security.Cryptography;
using SshMux.Ssh.Agent;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Signatures;

namespace SshMux.SignProxy;

/// <summary>
/// Signs through the upstream agent. Nothing is cached between requests: each call opens a
/// fresh agent connection, lists the keys and picks one, so a key added, removed or rotated in
/// the agent is used (or missed) on the very next request. The private key never leaves the
/// agent; this process only sees public keys and signatures.
/// </summary>
internal sealed class AgentSigner(string? upstream, SshPublicKey? pinnedKey, TimeSpan timeout)
{
    /// <summary>The authorized_keys line of the key the next signature would use.</summary>
    public async Task<string> PublicKeyLineAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var identity = await SelectAsync(connection, cancellationToken).ConfigureAwait(false);
            return identity.PublicKey.ToOpenSshString(identity.Comment.Length > 0 ? identity.Comment : null) + "\n";
        }
    }

    /// <summary>
    /// The armoured SSHSIG for a message whose SHA-512 is <paramref name="messageHash"/>, in
    /// <paramref name="signatureNamespace"/>. RSA keys sign with rsa-sha2-512 as ssh-keygen
    /// does; <see cref="AgentIdentity"/> refuses a signature of any other algorithm than the
    /// one requested (an agent ignoring the flag would downgrade to SHA-1) and one that does
    /// not verify with the key.
    /// </summary>
    public async Task<string> SignAsync(string signatureNamespace, byte[] messageHash, CancellationToken cancellationToken)
    {
        var signedData = SshSignature.SignedData(signatureNamespace, messageHash);
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var identity = await SelectAsync(connection, cancellationToken).ConfigureAwait(false);
            byte[] signature;
            try
            {
                signature = await identity.SignAsync(SignatureAlgorithm(identity.PublicKey), signedData, cancellationToken).ConfigureAwait(false);
            }
            catch (SshAgentException e)
            {
                throw Map(e);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(signedData);
            }

            return SshSignature.Armor(SshSignature.Envelope(identity.PublicKeyBlob.Span, signatureNamespace, signature));
        }
    }

    /// <summary>PROTOCOL.sshsig: ssh-keygen signs RSA with rsa-sha2-512, every other key with its only algorithm.</summary>
    internal static string SignatureAlgorithm(SshPublicKey key) => key.KeyType == "ssh-rsa" ? "rsa-sha2-512" : key.SignatureAlgorithms[0];

    private async Task<SshAgentConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (upstream is null)
        {
            throw new SignProxyException(SignProxyStatus.NoAgent,
                $"no agent: neither {SignProxySettings.UpstreamVariable} nor {SshAgentClient.SocketVariable} is set");
        }

        try
        {
            return await new SshAgentClient(upstream, timeout).ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SshAgentException e)
        {
            throw Map(e);
        }
    }

    private async Task<AgentIdentity> SelectAsync(SshAgentConnection connection, CancellationToken cancellationToken)
    {
        IReadOnlyList<AgentIdentity> identities;
        try
        {
            identities = await AgentIdentity.FromAgentAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (SshAgentException e)
        {
            throw Map(e);
        }

        if (pinnedKey is null)
        {
            return identities.Count > 0
                ? identities[0]
                : throw new SignProxyException(SignProxyStatus.NoMatchingKey, $"no matching key: the agent at {upstream} holds no usable key (add one with ssh-add)");
        }

        foreach (var identity in identities)
        {
            if (identity.PublicKey.Equals(pinnedKey))
            {
                return identity;
            }
        }

        throw new SignProxyException(SignProxyStatus.NoMatchingKey,
            $"no matching key: the pinned key {pinnedKey.KeyType} {pinnedKey.GetSha256Fingerprint()} is not in the agent at {upstream} ({identities.Count} other key(s))");
    }

    private static SignProxyException Map(SshAgentException e) => e.Error switch
    {
        SshAgentError.NoAgent or SshAgentError.ConnectFailed or SshAgentError.Timeout or SshAgentError.ConnectionClosed =>
            new SignProxyException(SignProxyStatus.NoAgent, "no agent: " + OneLine(e.Message), e),
        SshAgentError.Refused => new SignProxyException(SignProxyStatus.AgentFailed, "agent refused: " + OneLine(e.Message), e),
        _ => new SignProxyException(SignProxyStatus.AgentFailed, "agent failed: " + OneLine(e.Message), e),
    };

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
