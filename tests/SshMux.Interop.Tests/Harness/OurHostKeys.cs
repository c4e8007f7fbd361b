using System.Collections.Concurrent;
using SshMux.Ssh.Keys;

namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// ssh-mux host keys for the server-role tests, one per key type for the whole run
/// (RSA generation is slow). They live until the process exits.
/// </summary>
public static class OurHostKeys
{
    public static readonly IReadOnlyList<string> AllKeyTypes =
        ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];

    private static readonly ConcurrentDictionary<string, Lazy<SshPrivateKey>> Keys = new();

    public static SshPrivateKey Get(string keyType) =>
        Keys.GetOrAdd(keyType, t => new Lazy<SshPrivateKey>(() => SshPrivateKey.Generate(t))).Value;

    /// <summary>The key type that carries a host key (signature) algorithm, e.g. ssh-rsa for rsa-sha2-256.</summary>
    public static string KeyTypeOf(string hostKeyAlgorithm) =>
        Ssh.Algorithms.AlgorithmRegistry.FindHostKey(hostKeyAlgorithm)?.KeyType
        ?? throw new ArgumentException("Unknown host key algorithm " + hostKeyAlgorithm, nameof(hostKeyAlgorithm));

    /// <summary>OpenSSH's fingerprint form: SHA256: and unpadded base64 of the SHA-256 of the blob.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> blob) =>
        "SHA256:" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(blob)).TrimEnd('=');
}
