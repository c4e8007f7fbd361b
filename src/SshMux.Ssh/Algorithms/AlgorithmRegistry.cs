using System.Security.Cryptography;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Transport.Ciphers;
using SshMux.Ssh.Transport.Kex;

namespace SshMux.Ssh.Algorithms;

/// <summary>A cipher as the registry describes it; <see cref="IsAead"/> ciphers need no MAC.</summary>
public sealed record CipherAlgorithm(string Name, int KeySize, int IvSize, int BlockSize, bool IsAead);

/// <summary>A MAC; <see cref="EncryptThenMac"/> for the -etm@openssh.com forms.</summary>
public sealed record MacAlgorithm(string Name, int KeySize, int TagSize, bool EncryptThenMac, HashAlgorithmName Hash);

/// <summary>
/// A host key (signature) algorithm and the key type that carries it. For the
/// *-cert-v01@openssh.com algorithms (PROTOCOL.certkeys) the key type is the certificate type
/// and the exchange hash is signed with the certified key's <see cref="SignatureAlgorithm"/>.
/// </summary>
public sealed record HostKeyAlgorithm(string Name, string KeyType)
{
    /// <summary>True for the certificate algorithms: K_S is an OpenSSH certificate.</summary>
    public bool IsCertificate => SshCertificateAlgorithms.IsCertificateType(KeyType);

    /// <summary>The algorithm of the signature over H: the name itself, or rsa-sha2-512 for rsa-sha2-512-cert-v01@openssh.com.</summary>
    public string SignatureAlgorithm =>
        SshCertificateAlgorithms.TryParseAlgorithmName(Name, out _, out var signature) ? signature : Name;
}

/// <summary>
/// Every algorithm ssh-mux implements, by wire name. Algorithms are data: adding one is a
/// line here plus its implementation. Default preference orders follow OpenSSH 9.x.
/// </summary>
public static class AlgorithmRegistry
{
    public const string ExtInfoClient = "ext-info-c";
    public const string ExtInfoServer = "ext-info-s";
    public const string StrictKexClient = "kex-strict-c-v00@openssh.com";
    public const string StrictKexServer = "kex-strict-s-v00@openssh.com";

    public static readonly IReadOnlyList<string> KeyExchanges =
    [
        "curve25519-sha256",
        "curve25519-sha256@libssh.org",
        "ecdh-sha2-nistp256",
        "ecdh-sha2-nistp384",
        "ecdh-sha2-nistp521",
        "diffie-hellman-group-exchange-sha256",
        "diffie-hellman-group16-sha512",
        "diffie-hellman-group18-sha512",
        "diffie-hellman-group14-sha256",
    ];

    public static readonly IReadOnlyList<HostKeyAlgorithm> HostKeys =
    [
        new("ssh-ed25519", "ssh-ed25519"),
        new("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"),
        new("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"),
        new("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521"),
        new("rsa-sha2-512", "ssh-rsa"),
        new("rsa-sha2-256", "ssh-rsa"),
        new("ssh-rsa", "ssh-rsa"),
    ];

    /// <summary>
    /// Host certificate algorithms (PROTOCOL.certkeys), in OpenSSH's preference order. Not in the
    /// defaults: a client asks for them (first) only when it trusts a CA for the host, as ssh's
    /// order_hostkeyalgs puts them first only then; ssh-rsa-cert-v01 (SHA-1) is not implemented.
    /// </summary>
    public static readonly IReadOnlyList<HostKeyAlgorithm> CertificateHostKeys =
    [
        new(SshCertificateAlgorithms.Ed25519, SshCertificateAlgorithms.Ed25519),
        new(SshCertificateAlgorithms.EcdsaNistP256, SshCertificateAlgorithms.EcdsaNistP256),
        new(SshCertificateAlgorithms.EcdsaNistP384, SshCertificateAlgorithms.EcdsaNistP384),
        new(SshCertificateAlgorithms.EcdsaNistP521, SshCertificateAlgorithms.EcdsaNistP521),
        new(SshCertificateAlgorithms.RsaSha2_512, SshCertificateAlgorithms.Rsa),
        new(SshCertificateAlgorithms.RsaSha2_256, SshCertificateAlgorithms.Rsa),
    ];

    public static readonly IReadOnlyList<CipherAlgorithm> Ciphers =
    [
        new("chacha20-poly1305@openssh.com", 64, 0, 8, true),
        new("aes128-ctr", 16, 16, 16, false),
        new("aes192-ctr", 24, 16, 16, false),
        new("aes256-ctr", 32, 16, 16, false),
        new("aes128-gcm@openssh.com", 16, 12, 16, true),
        new("aes256-gcm@openssh.com", 32, 12, 16, true),
    ];

    public static readonly IReadOnlyList<MacAlgorithm> Macs =
    [
        new("hmac-sha2-256-etm@openssh.com", 32, 32, true, HashAlgorithmName.SHA256),
        new("hmac-sha2-512-etm@openssh.com", 64, 64, true, HashAlgorithmName.SHA512),
        new("hmac-sha2-256", 32, 32, false, HashAlgorithmName.SHA256),
        new("hmac-sha2-512", 64, 64, false, HashAlgorithmName.SHA512),
    ];

    /// <summary>OpenSSH's default host key order without ssh-rsa (SHA-1), which is opt-in.</summary>
    public static IReadOnlyList<string> DefaultHostKeyAlgorithms { get; } =
        [.. HostKeys.Where(h => h.Name != "ssh-rsa").Select(h => h.Name)];

    /// <summary>The names of <see cref="CertificateHostKeys"/>.</summary>
    public static IReadOnlyList<string> CertificateHostKeyAlgorithms { get; } = [.. CertificateHostKeys.Select(h => h.Name)];

    public static IReadOnlyList<string> DefaultCiphers { get; } = [.. Ciphers.Select(c => c.Name)];

    public static IReadOnlyList<string> DefaultMacs { get; } = [.. Macs.Select(m => m.Name)];

    public static CipherAlgorithm? FindCipher(string name) => Ciphers.FirstOrDefault(c => c.Name == name);

    public static MacAlgorithm? FindMac(string name) => Macs.FirstOrDefault(m => m.Name == name);

    public static HostKeyAlgorithm? FindHostKey(string name) =>
        HostKeys.FirstOrDefault(h => h.Name == name) ?? CertificateHostKeys.FirstOrDefault(h => h.Name == name);

    public static bool IsKeyExchange(string name) => KeyExchanges.Contains(name);

    /// <summary>Creates the packet protection for one direction from derived keys.</summary>
    public static PacketCipher CreatePacketCipher(CipherAlgorithm cipher, MacAlgorithm? mac, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> macKey, bool encrypt)
    {
        ArgumentNullException.ThrowIfNull(cipher);
        switch (cipher.Name)
        {
            case "chacha20-poly1305@openssh.com":
                return new ChaCha20Poly1305PacketCipher(key);
            case "aes128-gcm@openssh.com":
            case "aes256-gcm@openssh.com":
                return new AesGcmPacketCipher(key, iv, encrypt);
            default:
                if (mac is null)
                {
                    throw new SshException(DisconnectReason.KeyExchangeFailed, $"Cipher {cipher.Name} needs a MAC");
                }

                return new AesCtrHmacPacketCipher(key, iv, mac.Hash, macKey, mac.EncryptThenMac, encrypt);
        }
    }

    public static KeyExchange CreateKeyExchange(string name) => KexFactory.Create(name);
}
