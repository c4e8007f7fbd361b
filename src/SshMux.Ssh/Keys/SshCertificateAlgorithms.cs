namespace SshMux.Ssh.Keys;

/// <summary>
/// Names of OpenSSH certificate key types and of the algorithms that use them (PROTOCOL.certkeys,
/// "Certified keys are represented using new key types"). A certificate is signed-for with its
/// subject key's signature algorithm; only RSA has more than one, and for RSA the name sent in a
/// publickey SSH_MSG_USERAUTH_REQUEST or in KEXINIT's host key list says which hash is used:
/// rsa-sha2-512-cert-v01@openssh.com means "an ssh-rsa-cert-v01 blob, signed with rsa-sha2-512".
/// </summary>
public static class SshCertificateAlgorithms
{
    public const string Ed25519 = "ssh-ed25519-cert-v01@openssh.com";
    public const string EcdsaNistP256 = "ecdsa-sha2-nistp256-cert-v01@openssh.com";
    public const string EcdsaNistP384 = "ecdsa-sha2-nistp384-cert-v01@openssh.com";
    public const string EcdsaNistP521 = "ecdsa-sha2-nistp521-cert-v01@openssh.com";
    public const string Rsa = "ssh-rsa-cert-v01@openssh.com";

    /// <summary>Algorithm names only: PROTOCOL.certkeys says they never start a certificate blob.</summary>
    public const string RsaSha2_256 = "rsa-sha2-256-cert-v01@openssh.com";

    /// <summary>Algorithm names only: PROTOCOL.certkeys says they never start a certificate blob.</summary>
    public const string RsaSha2_512 = "rsa-sha2-512-cert-v01@openssh.com";

    private static readonly (string Certificate, string Plain)[] Types =
    [
        (Ed25519, "ssh-ed25519"),
        (EcdsaNistP256, "ecdsa-sha2-nistp256"),
        (EcdsaNistP384, "ecdsa-sha2-nistp384"),
        (EcdsaNistP521, "ecdsa-sha2-nistp521"),
        (Rsa, "ssh-rsa"),
    ];

    /// <summary>
    /// Every certificate algorithm name this layer can verify, in OpenSSH's default preference
    /// order (ssh-rsa-cert-v01 last: it means SHA-1 signatures).
    /// </summary>
    public static IReadOnlyList<string> AlgorithmNames { get; } = Array.AsReadOnly(
    [
        Ed25519, EcdsaNistP256, EcdsaNistP384, EcdsaNistP521, RsaSha2_512, RsaSha2_256, Rsa,
    ]);

    /// <summary>True for the five certificate key types that may start a certificate blob.</summary>
    public static bool IsCertificateType(string? keyType) => PlainKeyType(keyType) is not null;

    /// <summary>The subject key type of a certificate type ("ssh-ed25519" for ssh-ed25519-cert-v01@openssh.com), or null.</summary>
    public static string? PlainKeyType(string? certificateType)
    {
        foreach (var (certificate, plain) in Types)
        {
            if (certificate == certificateType)
            {
                return plain;
            }
        }

        return null;
    }

    /// <summary>The certificate type for a plain key type ("ssh-rsa" gives ssh-rsa-cert-v01@openssh.com), or null.</summary>
    public static string? CertificateType(string? plainKeyType)
    {
        foreach (var (certificate, plain) in Types)
        {
            if (plain == plainKeyType)
            {
                return certificate;
            }
        }

        return null;
    }

    /// <summary>
    /// The name to put in a USERAUTH request (or a KEXINIT host key list) for a certificate that
    /// signs with <paramref name="signatureAlgorithm"/>: the certificate type itself, except that
    /// RSA certificates signing with rsa-sha2-256/512 use the rsa-sha2-*-cert-v01 names.
    /// </summary>
    /// <exception cref="ArgumentException">The pair does not go together.</exception>
    public static string AlgorithmName(string certificateType, string signatureAlgorithm)
    {
        var plain = PlainKeyType(certificateType)
            ?? throw new ArgumentException($"\"{certificateType}\" is not a certificate type", nameof(certificateType));
        if (plain == "ssh-rsa")
        {
            return signatureAlgorithm switch
            {
                "rsa-sha2-512" => RsaSha2_512,
                "rsa-sha2-256" => RsaSha2_256,
                "ssh-rsa" => Rsa,
                _ => throw new ArgumentException($"An RSA certificate cannot sign with \"{signatureAlgorithm}\"", nameof(signatureAlgorithm)),
            };
        }

        if (signatureAlgorithm != plain)
        {
            throw new ArgumentException($"A {certificateType} certificate signs with {plain}, not \"{signatureAlgorithm}\"", nameof(signatureAlgorithm));
        }

        return certificateType;
    }

    /// <summary>
    /// Splits an algorithm name from a USERAUTH request or KEXINIT into the certificate type its
    /// blob must have and the signature algorithm its signature must use. False for names that
    /// are not certificate algorithms.
    /// </summary>
    public static bool TryParseAlgorithmName(string? algorithmName, out string certificateType, out string signatureAlgorithm)
    {
        switch (algorithmName)
        {
            case RsaSha2_512:
                (certificateType, signatureAlgorithm) = (Rsa, "rsa-sha2-512");
                return true;
            case RsaSha2_256:
                (certificateType, signatureAlgorithm) = (Rsa, "rsa-sha2-256");
                return true;
        }

        if (PlainKeyType(algorithmName) is { } plain)
        {
            (certificateType, signatureAlgorithm) = (algorithmName!, plain);
            return true;
        }

        (certificateType, signatureAlgorithm) = (string.Empty, string.Empty);
        return false;
    }
}
