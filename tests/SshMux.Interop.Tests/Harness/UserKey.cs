using SshMux.Ssh.Keys;

namespace SshMux.Interop.Tests.Harness;

/// <summary>A user key pair made by ssh-keygen: the private key file for -i, and its public half.</summary>
public sealed record UserKey(string PrivateKeyPath, string PublicKeyLine, SshPublicKey PublicKey)
{
    /// <summary>OpenSSH's fingerprint, "SHA256:" and the unpadded base64 SHA-256 of the blob.</summary>
    public string Fingerprint => Fingerprints.Sha256(PublicKey.Blob.Span);

    /// <summary>Generates an unencrypted ed25519 key at <paramref name="path"/> (and path.pub).</summary>
    public static async Task<UserKey> GenerateAsync(string path)
    {
        var keygen = Peers.Require(Peers.SshKeygen);
        await using var process = PeerProcess.Start("ssh-keygen", keygen, ["-q", "-t", "ed25519", "-N", string.Empty, "-C", "sshmux-relay", "-f", path]);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        if (code != 0)
        {
            throw new InvalidOperationException($"ssh-keygen failed with exit code {code}\n{process.Tail()}");
        }

        var line = (await File.ReadAllTextAsync(path + ".pub").ConfigureAwait(false)).Trim();
        return new UserKey(path, line, SshPublicKeyLine.Parse(line).Key);
    }
}

/// <summary>Fingerprints computed here rather than by ssh-mux, so a test does not check ssh-mux against itself.</summary>
public static class Fingerprints
{
    public static string Sha256(ReadOnlySpan<byte> blob) =>
        "SHA256:" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(blob)).TrimEnd('=');
}
