using SshMux.Ssh.Auth;

namespace SshMux.Ssh.Keys;

/// <summary>
/// A private key together with a certificate for its public key, ready for publickey
/// authentication: the request carries the certificate blob, the signature is made by the
/// private key with the subject key's algorithm (PROTOCOL.certkeys "Protocol extensions").
/// The private key stays owned by the caller.
/// </summary>
public sealed class SshCertificateIdentity : ISshIdentity
{
    private readonly SshPrivateKey _privateKey;

    /// <exception cref="ArgumentException">The certificate was not issued for this private key.</exception>
    public SshCertificateIdentity(SshPrivateKey privateKey, SshCertificate certificate, string comment = "")
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(certificate);
        if (privateKey.PublicKey != certificate.PublicKey)
        {
            throw new ArgumentException(
                $"The certificate is for {certificate.PublicKey.GetSha256Fingerprint()}, not for this private key ({privateKey.PublicKey.GetSha256Fingerprint()})",
                nameof(certificate));
        }

        _privateKey = privateKey;
        Certificate = certificate;
        Comment = comment ?? string.Empty;
    }

    public SshCertificate Certificate { get; }

    /// <summary>The certificate type, e.g. ssh-rsa-cert-v01@openssh.com; see <see cref="AlgorithmName"/> for the name an RSA request uses.</summary>
    public string KeyType => Certificate.KeyType;

    public ReadOnlyMemory<byte> PublicKeyBlob => Certificate.Blob;

    public SshPublicKey PublicKey => Certificate.PublicKey;

    public string Comment { get; }

    /// <summary>The signature algorithms the identity can sign with, strongest first.</summary>
    public IReadOnlyList<string> SignatureAlgorithms => Certificate.SignatureAlgorithms;

    /// <summary>The algorithm name for the USERAUTH request when signing with <paramref name="signatureAlgorithm"/> (e.g. rsa-sha2-512-cert-v01@openssh.com).</summary>
    public string AlgorithmName(string signatureAlgorithm) => SshCertificateAlgorithms.AlgorithmName(Certificate.KeyType, signatureAlgorithm);

    public ValueTask<byte[]> SignAsync(string signatureAlgorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signatureAlgorithm);
        cancellationToken.ThrowIfCancellationRequested();
        if (SshCertificateAlgorithms.IsCertificateType(signatureAlgorithm) || signatureAlgorithm.EndsWith("-cert-v01@openssh.com", StringComparison.Ordinal))
        {
            throw new ArgumentException($"\"{signatureAlgorithm}\" is a certificate name; sign with the plain signature algorithm", nameof(signatureAlgorithm));
        }

        return ValueTask.FromResult(_privateKey.Sign(signatureAlgorithm, data.Span));
    }
}
