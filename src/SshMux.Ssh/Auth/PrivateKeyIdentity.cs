using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Auth;

/// <summary>
/// An in-memory private key as a publickey identity, optionally presented with an OpenSSH
/// certificate for it (PROTOCOL.certkeys): then the request carries the certificate blob
/// under its *-cert-v01@openssh.com name, and the key signs as usual.
/// </summary>
public sealed class PrivateKeyIdentity : ISshIdentity, IDisposable
{
    private readonly SshPrivateKey _key;
    private readonly bool _ownsKey;

    /// <param name="key">The key that signs.</param>
    /// <param name="comment">Where it came from, for messages (a file path).</param>
    /// <param name="ownsKey">Dispose the key when this identity is disposed.</param>
    public PrivateKeyIdentity(SshPrivateKey key, string? comment = null, bool ownsKey = false)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key;
        _ownsKey = ownsKey;
        KeyType = key.KeyType;
        PublicKeyBlob = key.PublicKey.Blob;
        Comment = comment ?? string.Empty;
    }

    /// <summary>An identity that presents <paramref name="certificateBlob"/> (of type <paramref name="certificateKeyType"/>) for the key.</summary>
    public PrivateKeyIdentity(SshPrivateKey key, ReadOnlyMemory<byte> certificateBlob, string certificateKeyType, string? comment = null, bool ownsKey = false)
        : this(key, comment, ownsKey)
    {
        ArgumentNullException.ThrowIfNull(certificateKeyType);
        if (!PublicKeyAlgorithms.IsCertificate(certificateKeyType))
        {
            throw new ArgumentException($"\"{certificateKeyType}\" is not a certificate key type", nameof(certificateKeyType));
        }

        if (certificateBlob.IsEmpty)
        {
            throw new ArgumentException("The certificate blob is empty", nameof(certificateBlob));
        }

        KeyType = certificateKeyType;
        PublicKeyBlob = certificateBlob;
    }

    public string KeyType { get; }

    public ReadOnlyMemory<byte> PublicKeyBlob { get; }

    public SshPublicKey PublicKey => _key.PublicKey;

    public string Comment { get; }

    public ValueTask<byte[]> SignAsync(string signatureAlgorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signatureAlgorithm);
        cancellationToken.ThrowIfCancellationRequested();

        // SshPrivateKey.Sign refuses an algorithm the key cannot make and names the one it made.
        return ValueTask.FromResult(_key.Sign(signatureAlgorithm, data.Span));
    }

    public override string ToString() =>
        Comment.Length == 0 ? $"{KeyType} {PublicKey.GetSha256Fingerprint()}" : $"{KeyType} {PublicKey.GetSha256Fingerprint()} {Comment}";

    public void Dispose()
    {
        if (_ownsKey)
        {
            _key.Dispose();
        }
    }
}
