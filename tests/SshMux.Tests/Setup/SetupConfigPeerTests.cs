using System.Globalization;
using SshMux.Interop.Tests.Harness;
using SshMux.Setup;
using SshMux.Ssh.Keys;
using Xunit.Abstractions;

namespace SshMux.Tests.Setup;

/// <summary>The generated configuration as OpenSSH's own client reads and uses it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SetupConfigPeerTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly Dictionary<string, string?> NoAgent = new() { ["SSH_AUTH_SOCK"] = null };

    // A space and a "%" in the path: the Include, UserKnownHostsFile and IdentityFile lines must quote and escape it.
    private readonly SetupHome home = new("my home 100%");

    public void Dispose() => home.Dispose();

    /// <summary>`ssh -G -F CONFIG HOST`: the options ssh would use, as "key value" lines.</summary>
    private async Task<Dictionary<string, string>> ResolveAsync(string host)
    {
        var result = await PipedProcess.RunAsync("ssh -G", Peers.Require(Peers.Ssh), ["-G", "-F", home.Directory.Config, host], null, Timeout, NoAgent);
        Assert.True(result.ExitCode == 0, result.ToString());
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            options.TryAdd(line[..space], line[(space + 1)..]);
        }

        return options;
    }

    [PeerFact(Peers.Ssh)]
    public async Task SshResolvesEachRouteToTheLocalServerWithTheGeneratedOptions()
    {
        File.WriteAllText(home.Directory.Config, "Host webserver\n    Port 9999\n    User someone\n    LocalForward 8080 localhost:80\n\nHost other\n    HostName other.example\n");
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        KeyFileWriter.WriteKeyPair(home.Directory.HostKey, key, "ssh-mux local server");
        SshConfigSetup.Apply(home.Directory, [SetupHome.Route("webserver"), SetupHome.Route("db")], 2345, new StringWriter());

        foreach (var route in new[] { "webserver", "db" })
        {
            var options = await ResolveAsync(route);
            Assert.Equal("127.0.0.1", options["hostname"]);
            Assert.Equal("2345", options["port"]);
            Assert.Equal(route, options["user"]);
            Assert.Equal("ssh-mux-local", options["hostkeyalias"]);
            Assert.Equal(home.Directory.LocalKnownHosts, options["userknownhostsfile"]);
            Assert.Equal("true", options["stricthostkeychecking"]);
            Assert.Equal("publickey", options["preferredauthentications"]);
            Assert.Equal("no", options["passwordauthentication"]);
            Assert.Equal("no", options["kbdinteractiveauthentication"]);
            Assert.False(options.ContainsKey("localforward"), "the user's commented-out block still applies");
        }

        Assert.Equal("other.example", (await ResolveAsync("other"))["hostname"]);

        // The route goes: the user's block is back in force.
        SshConfigSetup.Apply(home.Directory, [SetupHome.Route("db")], 2345, new StringWriter());
        var restored = await ResolveAsync("webserver");
        Assert.Equal("9999", restored["port"]);
        Assert.Equal("someone", restored["user"]);
        Assert.Equal("8080 [localhost]:80", restored["localforward"]);
    }

    /// <summary>
    /// The whole path a person takes: serve relays to a real sshd, setup-config writes the
    /// Host block, and a plain `ssh -F CONFIG webserver` (no other option) gets through with
    /// the local server's host key checked strictly.
    /// </summary>
    [PeerFact(Peers.Ssh, Peers.Sshd, Peers.SshKeygen)]
    public async Task PlainSshGoesThroughServeUsingOnlyTheGeneratedConfig()
    {
        var run = new InteropRun(output);
        await run.RunAsync(async _ =>
        {
            var ssh = home.Directory.Path;
            var userKey = await UserKey.GenerateAsync(Path.Combine(ssh, "id_ed25519"));
            await using var sshd = run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], userKey.PublicKey, "LogLevel VERBOSE"));
            var upstream = $"[127.0.0.1]:{sshd.Port.ToString(CultureInfo.InvariantCulture)}";
            await File.WriteAllTextAsync(home.Directory.KnownHosts, $"{upstream} ssh-ed25519 {Convert.ToBase64String(sshd.HostKeys[0].PublicBlob)}\n");
            await File.WriteAllTextAsync(home.Directory.AuthorizedKeys, userKey.PublicKeyLine + "\n");

            var serveHome = Path.GetDirectoryName(ssh)!;
            await using var serve = await ServeInstance.StartAsync(serveHome, $"127.0.0.1:{sshd.Port.ToString(CultureInfo.InvariantCulture)}", Environment.UserName);
            run.Track(serve.Process);

            var result = SshConfigSetup.Apply(home.Directory, [SetupHome.Route("webserver")], serve.Port, new StringWriter());
            Assert.True(result.HostKeyPinned);

            var session = await PipedProcess.RunAsync("ssh", Peers.Require(Peers.Ssh), ["-F", home.Directory.Config, "-o", "BatchMode=yes", "webserver", "echo through-ssh-mux"], null, Timeout, NoAgent);
            Assert.True(session.ExitCode == 0, session.ToString());
            Assert.Equal("through-ssh-mux\n", session.StdoutText);
        });
    }
}
