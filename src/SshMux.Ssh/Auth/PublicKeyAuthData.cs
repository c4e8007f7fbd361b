using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Auth;

/// <summary>
/// The publickey request and the data its signature covers, shared by client and server so
/// both build byte-identical data: RFC 4252 section 7 and, for the host-bound variant, OpenSSH
/// PROTOCOL 3.1 (one more string, the server host key, after the public key).
/// </summary>
internal static class PublicKeyAuthData
{
    /// <summary>
    /// byte SSH_MSG_USERAUTH_REQUEST, string user, string service, string method, boolean
    /// has-signature, string algorithm, string key blob, and for host-bound string host key.
    /// </summary>
    public static void WriteRequestFields(SshWriter writer, string user, string service, string method, bool hasSignature,
        string algorithm, ReadOnlySpan<byte> keyBlob, ReadOnlySpan<byte> hostKeyBlob)
    {
        writer.WriteByte(UserAuthMessageNumbers.Request);
        writer.WriteString(user);
        writer.WriteString(service);
        writer.WriteString(method);
        writer.WriteBoolean(hasSignature);
        writer.WriteString(algorithm);
        writer.WriteBinary(keyBlob);
        if (method == SshAuthMethods.PublicKeyHostBound)
        {
            writer.WriteBinary(hostKeyBlob);
        }
    }

    /// <summary>string session identifier followed by the request fields with has-signature TRUE.</summary>
    public static byte[] BuildSignedData(ReadOnlySpan<byte> sessionId, string user, string service, string method,
        string algorithm, ReadOnlySpan<byte> keyBlob, ReadOnlySpan<byte> hostKeyBlob)
    {
        using var writer = new SshWriter(sessionId.Length + keyBlob.Length + hostKeyBlob.Length + 128);
        writer.WriteBinary(sessionId);
        WriteRequestFields(writer, user, service, method, hasSignature: true, algorithm, keyBlob, hostKeyBlob);
        return writer.ToArray();
    }
}

/// <summary>
/// Public key algorithm names in publickey requests. A certificate's name ends in
/// -cert-v01@openssh.com (OpenSSH PROTOCOL.certkeys) and the signature inside is made with
/// the algorithm the name starts with; RSA certificates take the RFC 8332 hash in the name
/// (rsa-sha2-512-cert-v01@openssh.com).
/// </summary>
public static class PublicKeyAlgorithms
{
    public const string CertificateSuffix = "-cert-v01@openssh.com";

    /// <summary>What ssh-mux accepts by default, as OpenSSH 8.8+ does: SHA-1 "ssh-rsa" is left out (RFC 8332 section 3.3).</summary>
    public static IReadOnlyList<string> Default { get; } = Array.AsReadOnly(
    [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256",
        "ssh-ed25519" + CertificateSuffix, "ecdsa-sha2-nistp256" + CertificateSuffix, "ecdsa-sha2-nistp384" + CertificateSuffix,
        "ecdsa-sha2-nistp521" + CertificateSuffix, "rsa-sha2-512" + CertificateSuffix, "rsa-sha2-256" + CertificateSuffix,
    ]);

    public static bool IsCertificate(string algorithm)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return algorithm.EndsWith(CertificateSuffix, StringComparison.Ordinal) && algorithm.Length > CertificateSuffix.Length;
    }

    /// <summary>The signature algorithm a request's algorithm calls for: the name itself, or the certificate name without its suffix.</summary>
    public static string SignatureAlgorithmOf(string requestAlgorithm) =>
        IsCertificate(requestAlgorithm) ? requestAlgorithm[..^CertificateSuffix.Length] : requestAlgorithm;

    /// <summary>The request algorithm for a key type (plain or certificate) signing with <paramref name="signatureAlgorithm"/>.</summary>
    public static string RequestAlgorithmFor(string keyType, string signatureAlgorithm) =>
        IsCertificate(keyType) ? signatureAlgorithm + CertificateSuffix : signatureAlgorithm;
}
