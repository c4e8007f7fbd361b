using System.Collections.Concurrent;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Tests.Support;

namespace SshMux.Ssh.Tests.OpenSsh;

/// <summary>Distinct public keys for file-format tests, generated once per run.</summary>
internal static class OpenSshTestKeys
{
    private static readonly ConcurrentDictionary<int, SshPublicKey> Ed25519Keys = new();

    /// <summary>The n-th of a set of distinct ed25519 keys.</summary>
    public static SshPublicKey Ed25519(int n) => Ed25519Keys.GetOrAdd(n, _ =>
    {
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        return key.PublicKey;
    });

    public static SshPublicKey Rsa => TestKeys.ForKeyType("ssh-rsa").PublicKey;

    public static SshPublicKey Ecdsa => TestKeys.ForKeyType("ecdsa-sha2-nistp256").PublicKey;

    /// <summary>"type base64" for a key (no comment).</summary>
    public static string Text(SshPublicKey key) => key.ToOpenSshString();
}
