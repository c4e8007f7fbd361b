namespace SshMux.Ssh.Keys;

/// <summary>
/// A public key in SSH wire form (RFC 4253 section 6.6): ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa.
/// </summary>
public abstract class SshPublicKey
{
    /// <summary>The key type name that starts the blob, e.g. "ssh-rsa" or "ecdsa-sha2-nistp256".</summary>
    public abstract string KeyType { get; }

    /// <summary>The wire encoding of the key (string type, then the type's fields).</summary>
    public abstract ReadOnlyMemory<byte> Blob { get; }

    /// <summary>Signature algorithms this key can verify, strongest first (for ssh-rsa: rsa-sha2-512, rsa-sha2-256, ssh-rsa).</summary>
    public abstract IReadOnlyList<string> SignatureAlgorithms { get; }

    /// <summary>
    /// Verifies a signature blob (string algorithm, string signature) over data. Returns false when
    /// the signature does not verify or its algorithm is not <paramref name="signatureAlgorithm"/>.
    /// </summary>
    public abstract bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob);

    /// <summary>Decodes a key blob; unknown types and malformed blobs raise <see cref="SshException"/>.</summary>
    public static SshPublicKey FromBlob(ReadOnlySpan<byte> blob) => throw new NotImplementedException();
}
