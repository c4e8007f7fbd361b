using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>
/// The host key half of every method: the server signs H, the client checks that signature.
/// With a *-cert-v01@openssh.com algorithm K_S is the server's certificate and H is signed by the
/// certified key with the plain algorithm (PROTOCOL.certkeys); whether the certificate is to be
/// trusted is the host key verifier's question, not the key exchange's.
/// </summary>
internal static class KexHostKey
{
    /// <summary>
    /// Server side: the host key blob K_S. The transport negotiated the signature algorithm from
    /// the keys it holds, so a mismatch here is a configuration error, reported before any message goes out.
    /// </summary>
    public static byte[] ServerBlob(KexContext context)
    {
        var hostKey = context.HostKey
            ?? throw new InvalidOperationException("The server side of a key exchange needs KexContext.HostKey");
        if (Find(context.HostKeyAlgorithm).IsCertificate)
        {
            var certificate = context.HostCertificate
                ?? throw new InvalidOperationException($"The server side of {context.HostKeyAlgorithm} needs KexContext.HostCertificate");
            CheckKeyType(context.HostKeyAlgorithm, certificate.KeyType, "Server host certificate");
            if (certificate.PublicKey != hostKey.PublicKey)
            {
                throw new InvalidOperationException("The server's host certificate does not certify its host key");
            }

            return certificate.Blob.ToArray();
        }

        CheckKeyType(context.HostKeyAlgorithm, hostKey.PublicKey.KeyType, "Server host key");
        return hostKey.PublicKey.Blob.ToArray();
    }

    public static byte[] Sign(KexContext context, ReadOnlySpan<byte> exchangeHash) =>
        context.HostKey!.Sign(Find(context.HostKeyAlgorithm).SignatureAlgorithm, exchangeHash);

    /// <summary>
    /// Client side, before any secret is computed: refuses a key whose type cannot
    /// carry the negotiated signature algorithm (RFC 4253 section 7.1: the host key algorithm names both).
    /// </summary>
    public static SshPublicKey CheckServerKey(KexContext context, SshPublicKey key)
    {
        CheckKeyType(context.HostKeyAlgorithm, key.KeyType, "Server sent a host key that");
        return key;
    }

    /// <summary>
    /// Client side: for a certificate algorithm, decodes K_S as a certificate of the negotiated
    /// type (its CA signature must verify); null for plain algorithms.
    /// </summary>
    public static SshCertificate? DecodeServerCertificate(KexContext context, byte[] hostKeyBlob)
    {
        if (!Find(context.HostKeyAlgorithm).IsCertificate)
        {
            return null;
        }

        if (!SshCertificate.TryFromBlob(hostKeyBlob, out var certificate, out var error))
        {
            throw KexWire.Failed($"The server's host certificate for {context.HostKeyAlgorithm} is not usable: {error}");
        }

        CheckKeyType(context.HostKeyAlgorithm, certificate!.KeyType, "Server sent a host certificate that");
        return certificate;
    }

    /// <summary>Client side: the signature over H must verify with the negotiated algorithm (RFC 4253 section 8).</summary>
    public static void VerifySignature(KexContext context, SshPublicKey key, ReadOnlySpan<byte> exchangeHash, ReadOnlySpan<byte> signature, string method)
    {
        var algorithm = Find(context.HostKeyAlgorithm).SignatureAlgorithm;
        if (!key.Verify(algorithm, exchangeHash, signature))
        {
            throw KexWire.Failed(
                $"{method}: the server's {algorithm} signature over the exchange hash does not verify with its {key.KeyType} host key");
        }
    }

    private static HostKeyAlgorithm Find(string algorithm) =>
        AlgorithmRegistry.FindHostKey(algorithm) ?? throw KexWire.Failed($"Unknown host key algorithm {algorithm}");

    private static void CheckKeyType(string signatureAlgorithm, string keyType, string subject)
    {
        var expected = Find(signatureAlgorithm).KeyType;
        if (!string.Equals(expected, keyType, StringComparison.Ordinal))
        {
            throw KexWire.Failed($"{subject} is of type {keyType}, but the negotiated host key algorithm {signatureAlgorithm} needs a {expected} key");
        }
    }
}
