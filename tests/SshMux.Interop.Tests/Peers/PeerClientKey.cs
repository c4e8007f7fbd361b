using System.Security.Cryptography;
using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Keys;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>
/// A user key made by ssh-keygen (OpenSSH format, which Paramiko, node ssh2 and ssh-mux read)
/// and converted by each peer's own tool for the peers that want their own format: puttygen
/// for PuTTY's .ppk, dropbearconvert for dbclient.
/// </summary>
public sealed class PeerClientKey
{
    private PeerClientKey(string privateKeyPath, string publicKeyLine)
    {
        PrivateKeyPath = privateKeyPath;
        PublicKeyLine = publicKeyLine;
        PublicBlob = PeerHostKeys.ParsePublicKeyLine(publicKeyLine, "ssh-ed25519");
    }

    /// <summary>The OpenSSH private key file (mode 0600, as ssh-keygen writes it).</summary>
    public string PrivateKeyPath { get; }

    /// <summary>"ssh-ed25519 BASE64 comment", for authorized-keys files.</summary>
    public string PublicKeyLine { get; }

    public byte[] PublicBlob { get; }

    /// <summary>OpenSSH's fingerprint, computed here so no test checks ssh-mux against itself.</summary>
    public string Fingerprint => Sha256Fingerprint(PublicBlob);

    public static string Sha256Fingerprint(ReadOnlySpan<byte> blob) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');

    /// <summary>Generates an unencrypted ed25519 key at <paramref name="path"/> (and path.pub).</summary>
    public static async Task<PeerClientKey> GenerateAsync(InteropRun run, string path)
    {
        var keygen = Peers.Require(Peers.SshKeygen);
        await RunToolAsync(run, "ssh-keygen", keygen, ["-q", "-t", "ed25519", "-N", string.Empty, "-C", "sshmux-peers", "-f", path]).ConfigureAwait(false);
        var line = (await File.ReadAllTextAsync(path + ".pub").ConfigureAwait(false)).Trim();
        return new PeerClientKey(path, line);
    }

    /// <summary>The key loaded by ssh-mux, for its own client; the caller disposes it.</summary>
    public SshPrivateKey LoadForOurClient() => PrivateKeyFile.Load(PrivateKeyPath).Key;

    /// <summary>PuTTY's format: puttygen KEY -O private -o KEY.ppk.</summary>
    public async Task<string> ToPuttyAsync(InteropRun run)
    {
        var ppk = PrivateKeyPath + ".ppk";
        await RunToolAsync(run, "puttygen", PeerPrograms.Locate(PeerPrograms.PuttyGen), [PrivateKeyPath, "-O", "private", "-o", ppk]).ConfigureAwait(false);
        return ppk;
    }

    /// <summary>Dropbear's format: dropbearconvert openssh dropbear KEY KEY.dropbear.</summary>
    public async Task<string> ToDropbearAsync(InteropRun run)
    {
        var converted = PrivateKeyPath + ".dropbear";
        await RunToolAsync(run, "dropbearconvert", PeerPrograms.Locate(PeerPrograms.DropbearConvert), ["openssh", "dropbear", PrivateKeyPath, converted]).ConfigureAwait(false);
        return converted;
    }

    private static async Task RunToolAsync(InteropRun run, string name, string file, IEnumerable<string> arguments)
    {
        var result = await CapturedProcess.RunAsync(run, name, file, arguments, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{name} failed\n{result}");
        }
    }
}
