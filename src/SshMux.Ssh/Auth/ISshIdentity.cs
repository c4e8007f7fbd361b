using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Auth;

/// <summary>
/// Something a client can prove possession of in publickey authentication (RFC 4252
/// section 7): a private key held in memory, a key held by an ssh-agent, either of them
/// with an OpenSSH certificate. Signing is asynchronous because an agent (or a hardware
/// key behind it) may take time or ask the person.
/// </summary>
public interface ISshIdentity
{
    /// <summary>The key algorithm name sent in the request: a key type or a *-cert-v01@openssh.com name.</summary>
    string KeyType { get; }

    /// <summary>The blob sent in the request: the public key, or the certificate.</summary>
    ReadOnlyMemory<byte> PublicKeyBlob { get; }

    /// <summary>The plain public key that signs (the certificate's subject key for certificates).</summary>
    SshPublicKey PublicKey { get; }

    /// <summary>Where the identity came from, for messages: a file path or the agent's comment.</summary>
    string Comment { get; }

    /// <summary>
    /// Signs data and returns the signature blob (string algorithm, string signature).
    /// <paramref name="signatureAlgorithm"/> is a plain signature algorithm (e.g. rsa-sha2-512),
    /// never a certificate name. Implementations refuse to return a signature made with a
    /// different algorithm than the one requested.
    /// </summary>
    ValueTask<byte[]> SignAsync(string signatureAlgorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}
