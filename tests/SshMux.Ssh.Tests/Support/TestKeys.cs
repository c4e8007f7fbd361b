using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Tests.Support;

/// <summary>Host keys generated once per test run (RSA generation is slow).</summary>
public static class TestKeys
{
    private static readonly Lazy<SshPrivateKey> s_ed25519 = new(() => SshPrivateKey.Generate("ssh-ed25519"));
    private static readonly Lazy<SshPrivateKey> s_p256 = new(() => SshPrivateKey.Generate("ecdsa-sha2-nistp256"));
    private static readonly Lazy<SshPrivateKey> s_p384 = new(() => SshPrivateKey.Generate("ecdsa-sha2-nistp384"));
    private static readonly Lazy<SshPrivateKey> s_p521 = new(() => SshPrivateKey.Generate("ecdsa-sha2-nistp521"));
    private static readonly Lazy<SshPrivateKey> s_rsa = new(() => SshPrivateKey.Generate("ssh-rsa", 2048));

    public static SshPrivateKey ForKeyType(string keyType) => keyType switch
    {
        "ssh-ed25519" => s_ed25519.Value,
        "ecdsa-sha2-nistp256" => s_p256.Value,
        "ecdsa-sha2-nistp384" => s_p384.Value,
        "ecdsa-sha2-nistp521" => s_p521.Value,
        "ssh-rsa" => s_rsa.Value,
        _ => throw new ArgumentException(keyType),
    };

    public static IReadOnlyList<SshPrivateKey> All => [s_ed25519.Value, s_p256.Value, s_p384.Value, s_p521.Value, s_rsa.Value];
}
