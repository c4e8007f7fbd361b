using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Keys;

namespace SshMux.Interop.Tests.Authz;

/// <summary>A key pair made by ssh-keygen: the private key file (for -i), its .pub line and the decoded public key.</summary>
public sealed record AuthzKey(string PrivateKeyPath, string PublicKeyLine, SshPublicKey PublicKey)
{
    /// <summary>Where ssh (and ssh-mux's upstream client) look for the key's certificate.</summary>
    public string CertificatePath => PrivateKeyPath + "-cert.pub";
}

/// <summary>
/// Keys and user certificates made by the real ssh-keygen, so the certificates under test
/// are OpenSSH's own: "ssh-keygen -s CA -I ID -n PRINCIPALS -V VALIDITY [-O OPTION] KEY.pub"
/// writes KEY-cert.pub next to the key.
/// </summary>
public static class AuthzKeygen
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>An unencrypted ed25519 key at <paramref name="path"/> (and path.pub).</summary>
    public static async Task<AuthzKey> GenerateAsync(string path)
    {
        await RunAsync(["-q", "-t", "ed25519", "-N", string.Empty, "-C", "sshmux-authz", "-f", path]).ConfigureAwait(false);
        var line = (await File.ReadAllTextAsync(path + ".pub").ConfigureAwait(false)).Trim();
        return new AuthzKey(path, line, SshPublicKeyLine.Parse(line).Key);
    }

    /// <summary>Signs <paramref name="key"/>'s public key with <paramref name="ca"/>; returns the certificate as ssh-keygen wrote it.</summary>
    /// <param name="validity">ssh-keygen -V, e.g. "-5m:+1h" or "20200101:20200102".</param>
    /// <param name="options">ssh-keygen -O values, e.g. "no-pty" or "force-command=echo forced".</param>
    public static async Task<SshCertificate> SignAsync(AuthzKey ca, AuthzKey key, string id, string principals, string validity = "-5m:+1h", params string[] options)
    {
        List<string> arguments = ["-q", "-s", ca.PrivateKeyPath, "-I", id, "-n", principals, "-V", validity, "-z", "5"];
        foreach (var option in options)
        {
            arguments.AddRange(["-O", option]);
        }

        arguments.Add(key.PrivateKeyPath + ".pub");
        await RunAsync(arguments).ConfigureAwait(false);
        return SshCertificateLine.Load(key.CertificatePath).Certificate;
    }

    private static async Task RunAsync(IEnumerable<string> arguments)
    {
        var keygen = Peers.Require(Peers.SshKeygen);
        await using var process = PeerProcess.Start("ssh-keygen", keygen, arguments, new Dictionary<string, string> { ["TZ"] = "UTC" });
        var code = await process.WaitForExitAsync(Timeout).ConfigureAwait(false);
        if (code != 0)
        {
            throw new InvalidOperationException($"ssh-keygen failed with exit code {code}\n{process.Tail()}");
        }
    }
}
