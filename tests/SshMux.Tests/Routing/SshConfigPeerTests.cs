using SshMux.Interop.Tests.Harness;
using SshMux.Routing;
using SshMux.Ssh.OpenSsh;
using Xunit.Abstractions;

namespace SshMux.Tests.Routing;

/// <summary>
/// Our ssh_config reading against OpenSSH's own: `ssh -G -F FILE ALIAS` prints the options ssh
/// obtained (raw: it expands neither ~ nor %-tokens in IdentityFile or ProxyCommand), and
/// `ssh -v` prints the expanded ProxyCommand and identity files it actually uses. ProxyJump hops
/// are followed the way ssh follows them: `ssh -G -l USER -p PORT -J EARLIER HOP`.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshConfigPeerTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly string[] DefaultIdentities =
        ["~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519", "~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss", "~/.ssh/id_dsa"];

    private readonly TempDirectory _home = new("ssh-mux-peer-config-");
    private readonly ITestOutputHelper _output;

    public SshConfigPeerTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _home.Dispose();

    private static string LocalUser => Environment.UserName;

    private static string RealHome => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private const string MainConfig = """
        # A realistic ~/.ssh/config: includes, wildcards, negation, Match, jump chains, coder blocks.
        Include conf.d/*.conf
        Host web web2
          HostName %h.Internal.example
          User deploy
          Port 2222
          IdentityFile ~/.ssh/id_web
          IdentityFile %d/.ssh/id_%h_%r
          IdentitiesOnly yes
        Host *.corp !secret.corp !bastion.corp
          User corpuser
          ProxyJump ops@bastion.corp:2201,jump2
        Host bastion.corp
          HostName 192.0.2.10
          ProxyCommand /usr/bin/nc -X connect -x proxy:3128 %h %p
        Host jump2
          HostName jump2.example
          Port 2022
          ProxyJump should-be-ignored-when-passed-J
        Host secret.corp
          StrictHostKeyChecking yes
        Match host nothing.example,*.internal.example user deploy
          StrictHostKeyChecking accept-new
        Match originalhost web2
          User web2user
        Match localuser LOCALUSER
          IdentityFile ~/.ssh/local_%u
        # ------------START-CODER-----------
        # This section is managed by coder. DO NOT EDIT.
        Host coder.*
        	ConnectTimeout=0
        	StrictHostKeyChecking=no
        	UserKnownHostsFile=/dev/null
        	LogLevel ERROR
        	ProxyCommand /usr/bin/coder --global-config "/home/me/.config/coderv2" ssh --stdio %h
        # ------------END-CODER------------
        Host *.mux--coder
            ProxyCommand "C:\Users\me\coder.exe" "ssh" "--stdio" "--hostname-suffix" "mux--coder" "%h"
        Host =firstwins
          User one
          User two
          Port 1
        Host firstwins
          Port 2
          IdentitiesOnly=no
        Host a-jump
          ProxyJump none
          ProxyCommand nc %h %p
        Host uri-jump
          ProxyJump ssh://u@uri-hop:2200,plain,[2001:db8::1]:2022
        Host comma1,comma2
          Port 3333
        Host "quoted alias" quoted
          User "with space"
        Host *
          User fallback
          IdentityFile ~/.ssh/common
        """;

    private const string IncludedConfig = """
        Host included
          HostName included.example
          Port 2201
        Match host included.example
          User inc
        Host web
          IdentityFile ~/.ssh/from_include
        """;

    private const string FinalPassConfig = """
        Host x
          HostName real.example
        Match final host real.example
          User fin
        Host real.example
          Port 99
        Host * !x
          ProxyCommand final-pass %h
        Match !final
          IdentityFile ~/.ssh/first_pass_only
        Host y
          HostName %h.%%h
        Match final
          HostName never-applies.example
        """;

    private static readonly string[] MainAliases =
    [
        "web", "web2", "app.corp", "secret.corp", "bastion.corp", "jump2", "coder.my-workspace", "ws.mux--coder",
        "firstwins", "a-jump", "comma1", "uri-jump", "quoted", "included", "unknown.example", "Upper.Example", "WEB",
    ];

    private string WriteConfig(string text, params (string Name, string Text)[] includes)
    {
        var ssh = _home.File(".ssh");
        Directory.CreateDirectory(ssh);
        foreach (var (name, includeText) in includes)
        {
            var path = Path.Combine(ssh, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, includeText);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var config = Path.Combine(ssh, "config");
        File.WriteAllText(config, text.Replace("LOCALUSER", LocalUser, StringComparison.Ordinal));
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return config;
    }

    private async Task<Dictionary<string, List<string>>> SshG(string config, string alias, string? user = null, int? port = null, string? jump = null)
    {
        var ssh = Peers.Require(Peers.Ssh);
        var arguments = new List<string> { "-G", "-F", config };
        if (user is not null)
        {
            arguments.AddRange(["-l", user]);
        }

        if (port is not null)
        {
            arguments.AddRange(["-p", port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (jump is not null)
        {
            arguments.AddRange(["-J", jump]);
        }

        arguments.Add(alias);

        // Relative Includes are globbed under ~/.ssh, which glob(3) takes from $HOME.
        var result = await PipedProcess.RunAsync("ssh -G", ssh, arguments, null, Timeout, new Dictionary<string, string?> { ["HOME"] = _home.Path });
        Assert.True(result.ExitCode == 0, $"ssh {string.Join(' ', arguments)}: {result}");
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var key = space < 0 ? line : line[..space];
            if (!values.TryGetValue(key, out var list))
            {
                values[key] = list = [];
            }

            list.Add(space < 0 ? string.Empty : line[(space + 1)..]);
        }

        return values;
    }

    private SshConfig Load(string config) => SshConfig.Load(config, null, new SshConfigReadOptions(_home.Path));

    private static string? One(Dictionary<string, List<string>> values, string key) => values.TryGetValue(key, out var list) ? Assert.Single(list) : null;

    private static string StrictName(string? value) => value switch
    {
        null or "ask" => "ask",
        "yes" or "true" => "true",
        "no" or "false" or "off" => "false",
        _ => value,
    };

    private static IEnumerable<(string? User, string Host, int? Port)> Hops(string? text)
    {
        if (text is null)
        {
            return [];
        }

        Assert.True(SshJumpHost.TryParseList(text, out var hops), text);
        return hops.Select(h => (h.User, h.Host, h.Port));
    }

    private async Task CompareAsync(SshConfig ours, string config, string alias, SshConfigCommandLine? commandLine = null)
    {
        var expected = await SshG(config, alias, commandLine?.User, commandLine?.Port, commandLine?.ProxyJump);
        var options = ours.Resolve(alias, LocalUser, commandLine);
        _output.WriteLine($"{alias}: {One(expected, "user")}@{One(expected, "hostname")}:{One(expected, "port")} jump={One(expected, "proxyjump")} command={One(expected, "proxycommand")}");
        Assert.Equal(One(expected, "hostname"), options.HostName);
        Assert.Equal(One(expected, "user"), options.User ?? LocalUser);
        Assert.Equal(One(expected, "port"), (options.Port ?? 22).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expected["identityfile"], options.IdentityFiles.Count == 0 ? DefaultIdentities : options.IdentityFiles);
        Assert.Equal(One(expected, "identitiesonly"), options.IdentitiesOnly == true ? "yes" : "no");
        Assert.Equal(One(expected, "stricthostkeychecking"), StrictName(options.StrictHostKeyChecking));
        Assert.Equal(One(expected, "proxycommand"), options.ProxyCommand);
        Assert.Equal(Hops(One(expected, "proxyjump")), Hops(options.ProxyJump));
    }

    [PeerFact(Peers.Ssh)]
    public async Task ResolvedOptionsMatchSshG()
    {
        var config = WriteConfig(MainConfig, ("conf.d/10-extra.conf", IncludedConfig), ("conf.d/ignored.txt", "Host *\n  Port 9\n"));
        var ours = Load(config);
        foreach (var alias in MainAliases)
        {
            await CompareAsync(ours, config, alias);
        }
    }

    [PeerFact(Peers.Ssh)]
    public async Task FinalPassMatchesSshG()
    {
        var config = WriteConfig(FinalPassConfig);
        var ours = Load(config);
        foreach (var alias in new[] { "x", "y", "real.example", "other" })
        {
            await CompareAsync(ours, config, alias);
        }
    }

    [PeerFact(Peers.Ssh)]
    public async Task IncludesNestedInBlocksMatchSshG()
    {
        var config = WriteConfig(
            "Host a b\n  Include inner/*.conf\n  Port 1000\nHost *\n  Include ~/.ssh/tail\n",
            ("inner/1.conf", "User inner-one\nHost b\n  HostName bee.example\nInclude deeper\n"),
            ("inner/2.conf", "IdentitiesOnly yes\nMatch user inner-one\n  Port 5\n"),
            ("deeper", "IdentityFile ~/.ssh/deep\n"),
            ("tail", "User tail\nPort 7\nStrictHostKeyChecking accept-new\n"));
        var ours = Load(config);
        foreach (var alias in new[] { "a", "b", "c" })
        {
            await CompareAsync(ours, config, alias);
        }
    }

    [PeerFact(Peers.Ssh)]
    public async Task JumpHopsMatchSshResolvingEachHop()
    {
        var config = WriteConfig(MainConfig, ("conf.d/10-extra.conf", IncludedConfig));
        var ours = Load(config);
        var routes = new SshConfigRoutes(ours, SshTokenContext.ForCurrentUser() with { HomeDirectory = RealHome }, config);
        foreach (var alias in new[] { "app.corp", "uri-jump", "web", "coder.ws" })
        {
            var route = routes.Resolve(alias);
            var expected = await SshG(config, alias);

            // Walk the chain from the target back to the first hop as ssh's child processes would.
            var jumpText = One(expected, "proxyjump");
            var index = route.Jumps.Count - 1;
            while (jumpText is not null)
            {
                Assert.True(SshJumpHost.TryParseList(jumpText, out var hops));
                var last = hops[^1];
                var earlier = hops.Count > 1 ? string.Join(',', hops.Take(hops.Count - 1).Select(h => h.Text)) : null;
                var hopValues = await SshG(config, last.Host, last.User, last.Port, earlier);
                Assert.True(index >= 0, $"{alias}: ssh has more hops than {route.Jumps.Count}");
                var ourHop = route.Jumps[index--];
                var port = int.Parse(One(hopValues, "port")!, System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal((One(hopValues, "user"), One(hopValues, "hostname"), port), (ourHop.User, ourHop.Host, ourHop.Port));
                Assert.Equal(One(hopValues, "identitiesonly") == "yes", ourHop.IdentitiesOnly);
                var command = One(hopValues, "proxycommand");
                Assert.Equal(
                    command is null ? null : SshConfigTokens.ExpandProxyCommand(command, One(hopValues, "hostname")!, last.Host, port, One(hopValues, "user")!),
                    ourHop.ProxyCommand);
                jumpText = One(hopValues, "proxyjump");
            }

            Assert.Equal(-1, index);
        }
    }

    [PeerFact(Peers.Ssh)]
    public async Task ExpandedProxyCommandAndIdentityFilesMatchWhatSshUses()
    {
        // ssh -v logs "Executing proxy command: exec CMD" and "identity file PATH type N" with
        // every token expanded; the proxy command does not exist, so ssh stops right there.
        var config = WriteConfig("""
            Host coder.*
              ProxyCommand /nonexistent/coder --global-config "/home/me/.config/coderv2" ssh --stdio %h # %n %p %r %%
              User coder-user
            Host tokens
              HostName Tokens.%h.Example
              Port 2022
              User bob
              IdentityFile ~/.ssh/k_%d_%u_%h_%r_%n_%p_%%_%l_%L_%i_%C
              IdentityFile /nonexistent/second
              ProxyCommand /nonexistent/proxy %h:%p as %r for %n
            """);
        var ours = Load(config);
        var tokens = SshTokenContext.ForCurrentUser();
        var routes = new SshConfigRoutes(ours, tokens, config);
        foreach (var alias in new[] { "coder.my-workspace", "tokens" })
        {
            var ssh = Peers.Require(Peers.Ssh);
            var result = await PipedProcess.RunAsync("ssh -v", ssh, ["-v", "-F", config, "-o", "BatchMode=yes", alias, "true"], null, Timeout);
            var lines = result.StderrText.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            var executed = lines.Single(l => l.StartsWith("debug1: Executing proxy command: ", StringComparison.Ordinal));
            var identities = lines
                .Where(l => l.StartsWith("debug1: identity file ", StringComparison.Ordinal))
                .Select(l => l["debug1: identity file ".Length..l.LastIndexOf(" type ", StringComparison.Ordinal)])
                .Where(p => !p.EndsWith("-cert", StringComparison.Ordinal))
                .ToList();

            var route = routes.Resolve(alias);
            Assert.Equal("debug1: Executing proxy command: exec " + route.Target.ProxyCommand, executed);
            if (route.Target.IdentityFiles.Count > 0)
            {
                Assert.Equal(identities, route.Target.IdentityFiles);
            }
        }
    }

    [PeerTheory(Peers.Ssh)]
    [InlineData("Port 0\n")]
    [InlineData("Host x\n  User \"open\n")]
    [InlineData("Match all host x\n")]
    [InlineData("Match user\n")]
    [InlineData("ProxyJump a,,b\n")]
    [InlineData("Host y\n  IdentitiesOnly maybe\n")]
    [InlineData("User a b\n")]
    [InlineData("Include config\n")]
    public async Task ConfigsSshRefusesAreRefused(string text)
    {
        var config = WriteConfig(text);
        var ssh = Peers.Require(Peers.Ssh);
        var result = await PipedProcess.RunAsync("ssh -G", ssh, ["-G", "-F", config, "x"], null, Timeout, new Dictionary<string, string?> { ["HOME"] = _home.Path });
        Assert.NotEqual(0, result.ExitCode);
        var e = Assert.Throws<SshConfigException>(() => Load(config).Resolve("x", LocalUser));
        _output.WriteLine($"ssh: {result.StderrText.Trim()}\nours: {e.Message}");
        Assert.NotNull(e.FileName);
    }
}
