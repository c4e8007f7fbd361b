namespace SshMux.Interop.Tests;

/// <summary>
/// The algorithms the interop tests cover, written out (not read from the registry) so test
/// names stay stable; <see cref="CoverageTests"/> checks that every registry algorithm is here.
/// </summary>
public static class InteropAlgorithms
{
    public static readonly string[] KeyExchanges =
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

    public static readonly string[] HostKeys =
    [
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "rsa-sha2-512",
        "rsa-sha2-256",
        "ssh-rsa",
    ];

    public static readonly string[] Ciphers =
    [
        "chacha20-poly1305@openssh.com",
        "aes128-ctr",
        "aes192-ctr",
        "aes256-ctr",
        "aes128-gcm@openssh.com",
        "aes256-gcm@openssh.com",
    ];

    /// <summary>MACs are tested under a non-AEAD cipher, where they are actually used.</summary>
    public const string MacTestCipher = "aes128-ctr";

    public static readonly string[] Macs =
    [
        "hmac-sha2-256-etm@openssh.com",
        "hmac-sha2-512-etm@openssh.com",
        "hmac-sha2-256",
        "hmac-sha2-512",
    ];

    // Dropbear 2022.83 as built by Debian 12 (dbclient -c help / -m help, and the names in the
    // binary): no group-exchange, group16/18, aes192, GCM, ETM MACs or hmac-sha2-512, and
    // rsa-sha2-256 but not rsa-sha2-512.
    public static readonly string[] DropbearKeyExchanges =
    [
        "curve25519-sha256",
        "curve25519-sha256@libssh.org",
        "ecdh-sha2-nistp256",
        "ecdh-sha2-nistp384",
        "ecdh-sha2-nistp521",
        "diffie-hellman-group14-sha256",
    ];

    public static readonly string[] DropbearHostKeys =
    [
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "rsa-sha2-256",
        "ssh-rsa",
    ];

    public static readonly string[] DropbearCiphers = ["chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr"];

    public static TheoryData<string> KexData => [.. KeyExchanges];

    public static TheoryData<string> HostKeyData => [.. HostKeys];

    public static TheoryData<string> CipherData => [.. Ciphers];

    public static TheoryData<string> MacData => [.. Macs];

    public static TheoryData<string> DropbearKexData => [.. DropbearKeyExchanges];

    public static TheoryData<string> DropbearHostKeyData => [.. DropbearHostKeys];

    public static TheoryData<string> DropbearCipherData => [.. DropbearCiphers];

    /// <summary>Cipher and MAC pairs Dropbear can do, including its AEAD cipher.</summary>
    public static TheoryData<string, string> DropbearCipherMacData => new()
    {
        { "aes128-ctr", "hmac-sha2-256" },
        { "aes256-ctr", "hmac-sha2-256" },
    };

    /// <summary>One of each packet protection family, for re-key tests.</summary>
    public static TheoryData<string, string> RekeyCipherData => new()
    {
        { "chacha20-poly1305@openssh.com", "hmac-sha2-256-etm@openssh.com" },
        { "aes256-gcm@openssh.com", "hmac-sha2-256-etm@openssh.com" },
        { "aes128-ctr", "hmac-sha2-256-etm@openssh.com" },
        { "aes256-ctr", "hmac-sha2-512" },
    };
}
