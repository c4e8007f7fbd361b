using System.Collections.Concurrent;
using System.Globalization;

namespace SshMux.Interop.Tests.Harness;

/// <summary>A host key file made by a peer's own tool, with the public blob it should present.</summary>
public sealed record PeerHostKey(string KeyType, string PrivateKeyPath, byte[] PublicBlob);

/// <summary>
/// Host keys for the peer servers, generated once per test run with the peer's own key tool
/// (ssh-keygen for sshd, dropbearkey for dropbear) and shared by every instance: RSA
/// generation is slow and the keys are only test data.
/// </summary>
public static class PeerHostKeys
{
    private static readonly Lazy<TempDirectory> Directory = new(() =>
    {
        var dir = new TempDirectory("sshmux-interop-keys-");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => dir.Dispose();
        return dir;
    });

    private static readonly ConcurrentDictionary<string, Lazy<Task<PeerHostKey>>> OpenSsh = new();
    private static readonly ConcurrentDictionary<string, Lazy<Task<PeerHostKey>>> DropbearKeys = new();

    /// <summary>Key types by their SSH wire name: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa.</summary>
    public static Task<PeerHostKey> OpenSshAsync(string keyType) =>
        OpenSsh.GetOrAdd(keyType, t => new Lazy<Task<PeerHostKey>>(() => MakeOpenSshAsync(t))).Value;

    public static Task<PeerHostKey> DropbearAsync(string keyType) =>
        DropbearKeys.GetOrAdd(keyType, t => new Lazy<Task<PeerHostKey>>(() => MakeDropbearAsync(t))).Value;

    private static async Task<PeerHostKey> MakeOpenSshAsync(string keyType)
    {
        var keygen = Peers.Require(Peers.SshKeygen);
        var path = Directory.Value.File("openssh_" + keyType);
        string[] spec = keyType switch
        {
            "ssh-ed25519" => ["-t", "ed25519"],
            "ssh-rsa" => ["-t", "rsa", "-b", "3072"],
            _ when keyType.StartsWith("ecdsa-sha2-nistp", StringComparison.Ordinal) => ["-t", "ecdsa", "-b", Bits(keyType)],
            _ => throw new ArgumentException("No ssh-keygen key type for " + keyType, nameof(keyType)),
        };
        await RunAsync("ssh-keygen", keygen, [.. spec, "-q", "-N", string.Empty, "-C", "sshmux-interop", "-f", path]).ConfigureAwait(false);
        var line = await File.ReadAllTextAsync(path + ".pub").ConfigureAwait(false);
        return new PeerHostKey(keyType, path, ParsePublicKeyLine(line, keyType));
    }

    private static async Task<PeerHostKey> MakeDropbearAsync(string keyType)
    {
        var tool = Peers.Require(Peers.DropbearKey);
        var path = Directory.Value.File("dropbear_" + keyType);
        string[] spec = keyType switch
        {
            "ssh-ed25519" => ["-t", "ed25519"],
            "ssh-rsa" => ["-t", "rsa", "-s", "3072"],
            _ when keyType.StartsWith("ecdsa-sha2-nistp", StringComparison.Ordinal) => ["-t", "ecdsa", "-s", Bits(keyType)],
            _ => throw new ArgumentException("No dropbearkey key type for " + keyType, nameof(keyType)),
        };
        await RunAsync("dropbearkey", tool, [.. spec, "-f", path]).ConfigureAwait(false);

        // dropbearkey -y prints the public key line among other text.
        var output = await RunAsync("dropbearkey -y", tool, ["-y", "-f", path]).ConfigureAwait(false);
        var line = output.Split('\n').First(l => l.StartsWith(keyType + " ", StringComparison.Ordinal));
        return new PeerHostKey(keyType, path, ParsePublicKeyLine(line, keyType));
    }

    private static string Bits(string ecdsaType) =>
        int.Parse(ecdsaType["ecdsa-sha2-nistp".Length..], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

    /// <summary>The blob of an OpenSSH public key line "type base64 [comment]".</summary>
    public static byte[] ParsePublicKeyLine(string line, string expectedType)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2 || fields[0] != expectedType)
        {
            throw new FormatException($"Not a {expectedType} public key line: {line}");
        }

        return Convert.FromBase64String(fields[1]);
    }

    private static async Task<string> RunAsync(string name, string file, IEnumerable<string> arguments)
    {
        await using var process = PeerProcess.Start(name, file, arguments);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        if (code != 0)
        {
            throw new InvalidOperationException($"{name} failed with exit code {code}\n{process.Tail()}");
        }

        return process.Output;
    }
}
