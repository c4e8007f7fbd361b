using SshMux.Interop.Tests.Harness;
using SshMux.Paths;
using SshMux.Routing;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Transport;

namespace SshMux.Tests.Routing;

/// <summary>Host aliases of ~/.ssh/config as routes.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshConfigRoutesTests : IDisposable
{
    private readonly TempDirectory _home = new("ssh-mux-routes-");
    private readonly List<(SshLogLevel Level, string Message)> _log = [];

    public void Dispose() => _home.Dispose();

    private SshDirectory Directory => new(_home.File(".ssh"));

    private SshTokenContext Tokens => new(_home.Path, "me", "box.lan", "1000");

    private void Write(string name, string text)
    {
        System.IO.Directory.CreateDirectory(Directory.Path);
        var path = Directory.File(name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private SshConfigRoutes Routes(string config)
    {
        Write("config", config);
        return SshConfigRoutes.Load(Directory, Tokens, systemConfig: null, log: (level, message) => _log.Add((level, message)));
    }

    [Fact]
    public void AnAliasWithoutOptionsIsItself()
    {
        var route = Routes("Host *\n  ServerAliveInterval 30\n").Resolve("plain.example");
        Assert.Equal("plain.example", route.Name);
        Assert.Equal(new RouteHop("plain.example", 22, "me", [], false, null, HostKeyPolicy.Ask), route.Target with { IdentityFiles = [] });
        Assert.Empty(route.Target.IdentityFiles);
        Assert.Empty(route.Jumps);
    }

    [Fact]
    public void HostOptionsBecomeTheTargetHop()
    {
        var routes = Routes("""
            Host web
              HostName web.internal.example
              User deploy
              Port 2222
              IdentityFile ~/.ssh/id_%h_%r
              IdentityFile %d/keys/%n-%p-%u
              IdentitiesOnly yes
              StrictHostKeyChecking yes
            """);
        var route = routes.Resolve("web");
        var target = route.Target;
        Assert.Equal("web.internal.example", target.Host);
        Assert.Equal(2222, target.Port);
        Assert.Equal("deploy", target.User);
        Assert.Equal(new[] { $"{_home.Path}/.ssh/id_web.internal.example_deploy", $"{_home.Path}/keys/web-2222-me" }, target.IdentityFiles);
        Assert.True(target.IdentitiesOnly);
        Assert.Equal(HostKeyPolicy.Strict, target.HostKeyPolicy);
        Assert.Equal($"{Directory.File("config")}:1", route.Source);
        Assert.Equal(new[] { "web" }, routes.Aliases());
    }

    [Theory]
    [InlineData("yes", "Strict", false)]
    [InlineData("accept-new", "AcceptNew", false)]
    [InlineData("ask", "Ask", false)]
    [InlineData("no", "AcceptNew", true)]
    [InlineData("off", "AcceptNew", true)]
    public void StrictHostKeyCheckingBecomesThePolicy(string value, string policy, bool warns)
    {
        var route = Routes($"Host x\n  StrictHostKeyChecking {value}\n").Resolve("x");
        Assert.Equal(Enum.Parse<HostKeyPolicy>(policy), route.Target.HostKeyPolicy);
        Assert.Equal(warns, _log.Any(l => l.Level == SshLogLevel.Warning && l.Message.Contains("never accepts a changed host key", StringComparison.Ordinal)));
    }

    [Fact]
    public void CoderConfigSshBlockGivesAProxyCommandRoute()
    {
        var routes = Routes("""
            # ------------START-CODER-----------
            # This section is managed by coder. DO NOT EDIT.
            Host coder.*
            	ConnectTimeout=0
            	StrictHostKeyChecking=no
            	UserKnownHostsFile=/dev/null
            	LogLevel ERROR
            	ProxyCommand "/usr/bin/coder" --global-config "/home/me/.config/coderv2" ssh --stdio --ssh-host-prefix coder. %h
            # ------------END-CODER------------
            """);
        Assert.Empty(routes.Aliases());
        var route = routes.Resolve("coder.my-workspace");
        Assert.Equal("\"/usr/bin/coder\" --global-config \"/home/me/.config/coderv2\" ssh --stdio --ssh-host-prefix coder. coder.my-workspace", route.Target.ProxyCommand);
        Assert.Equal(HostKeyPolicy.AcceptNew, route.Target.HostKeyPolicy);
        Assert.Empty(route.Jumps);
    }

    [Fact]
    public void CoderConfigSshBlockKeepsItsDevNullKnownHosts()
    {
        var route = Routes("Host coder.*\n\tStrictHostKeyChecking=no\n\tUserKnownHostsFile=/dev/null\n").Resolve("coder.ws");
        Assert.Equal(new[] { "/dev/null" }, route.Target.UserKnownHostsFiles);
        Assert.Null(route.Target.GlobalKnownHostsFiles);
        Assert.Null(route.Target.HostKeyAlias);
    }

    [Fact]
    public void KnownHostsFilesAndHostKeyAliasAreExpandedAsSshDoes()
    {
        var route = Routes("""
            Host web
              HostName web.internal.example
              User deploy
              Port 2222
              HostKeyAlias Web-Key
              UserKnownHostsFile ~/.ssh/kh_%k_%h_%p_%r %d/kh_%n_%u
              GlobalKnownHostsFile ~/global_%h /etc/site_known_hosts
            Host *
              UserKnownHostsFile /ignored
            """).Resolve("web");
        var target = route.Target;
        Assert.Equal("web-key", target.HostKeyAlias);
        Assert.Equal(new[] { $"{_home.Path}/.ssh/kh_web-key_web.internal.example_2222_deploy", $"{_home.Path}/kh_web_me" }, target.UserKnownHostsFiles);
        Assert.Equal(new[] { $"{_home.Path}/global_%h", "/etc/site_known_hosts" }, target.GlobalKnownHostsFiles);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("NONE")]
    public void KnownHostsNoneMeansNoFiles(string none)
    {
        var target = Routes($"Host x\n  UserKnownHostsFile {none}\n  GlobalKnownHostsFile {none}\n").Resolve("x").Target;
        Assert.Equal(Array.Empty<string>(), target.UserKnownHostsFiles);
        Assert.Equal(Array.Empty<string>(), target.GlobalKnownHostsFiles);
    }

    [Fact]
    public void RoutesThatTrustDifferentlyNeverShareAConnection()
    {
        var routes = Routes("""
            Host a b c d e
              HostName same.example
            Host b
              UserKnownHostsFile /tmp/b_known_hosts
            Host c
              GlobalKnownHostsFile /tmp/c_known_hosts
            Host d
              HostKeyAlias other
            Host e
              UserKnownHostsFile /tmp/b_known_hosts
            """);
        string Key(string alias) => SshMux.Pool.PoolKey.For(routes.Resolve(alias), 0, "SHA256:local").Path;
        Assert.Equal(4, new[] { "a", "b", "c", "d" }.Select(Key).Distinct().Count());
        Assert.Equal(Key("b"), Key("e"));
        Assert.Equal(Key("a"), SshMux.Pool.PoolKey.For(routes.Resolve("a"), 0, "SHA256:local").Path);
    }

    [Fact]
    public void ProxyJumpHopsAreResolvedThroughTheConfig()
    {
        var route = Routes("""
            Host target
              HostName 10.0.0.5
              ProxyJump ops@bastion:2201,inner
            Host bastion
              HostName bastion.example.com
              User ignored-because-the-jump-names-a-user
              ProxyCommand connect-via-corp-proxy %h %p
              IdentityFile ~/.ssh/bastion_key
            Host inner
              HostName inner.corp
              Port 2022
              ProxyJump not-used-because-ssh-passes-J
            """).Resolve("target");
        Assert.Equal("10.0.0.5", route.Target.Host);
        Assert.Null(route.Target.ProxyCommand);
        Assert.Equal(2, route.Jumps.Count);
        var bastion = route.Jumps[0];
        Assert.Equal("ops@bastion.example.com:2201", bastion.Display);
        Assert.Equal("connect-via-corp-proxy bastion.example.com 2201", bastion.ProxyCommand);
        Assert.Equal(new[] { $"{_home.Path}/.ssh/bastion_key" }, bastion.IdentityFiles);
        Assert.Equal("me@inner.corp:2022", route.Jumps[1].Display);
        Assert.Null(route.Jumps[1].ProxyCommand);
    }

    [Fact]
    public void TheFirstHopsOwnProxyJumpIsFollowed()
    {
        var route = Routes("""
            Host app
              ProxyJump gw
            Host gw
              ProxyJump ssh://edge-user@edge:23
            Host edge
              HostName edge.example.net
            """).Resolve("app");
        Assert.Equal(new[] { "edge-user@edge.example.net:23", "me@gw:22" }, route.Jumps.Select(j => j.Display));
    }

    [Theory]
    [InlineData("Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n")]
    [InlineData("Host *\n  ProxyJump bastion\n")]
    [InlineData("Host a\n  ProxyJump x\nHost x\n  ProxyJump y,z\nHost y\n  ProxyJump a\n")]
    public void JumpLoopsAreRefused(string config)
    {
        var e = Assert.Throws<SshConfigException>(() => Routes(config).Resolve("a"));
        Assert.Contains("ProxyJump loop", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHopNamedAgainWithEarlierHopsIsNotALoop()
    {
        // ssh runs `ssh -J x a -W ...` for the last hop: a's own ProxyJump is not used there.
        var route = Routes("Host a\n  ProxyJump x,a\n").Resolve("a");
        Assert.Equal(new[] { "me@x:22", "me@a:22" }, route.Jumps.Select(j => j.Display));
    }

    [Fact]
    public void ProxyJumpNoneEndsAWildcardJump()
    {
        var route = Routes("Host bastion\n  ProxyJump none\nHost *\n  ProxyJump bastion\n").Resolve("a");
        Assert.Equal(new[] { "me@bastion:22" }, route.Jumps.Select(j => j.Display));
    }

    [Fact]
    public void TheGeneratedHostsFileIsNeverARouteSource()
    {
        Write(SshConfigRoutes.GeneratedHostsFileName, "Host mux-alias\n  HostName 127.0.0.1\n  Port 2222\n  ProxyCommand ssh-mux connect %n\nHost *\n  User loop\n");
        System.IO.Directory.CreateDirectory(Directory.File("conf.d"));
        File.CreateSymbolicLink(Directory.File("conf.d/mux.conf"), Directory.File(SshConfigRoutes.GeneratedHostsFileName));
        var routes = Routes($"""
            Include {SshConfigRoutes.GeneratedHostsFileName}
            Include ssh-mux-*.conf
            Include ~/.ssh/conf.d/*.conf
            Include {Directory.File(SshConfigRoutes.GeneratedHostsFileName)}
            Host real
              HostName real.example
            """);
        Assert.Equal(new[] { "real" }, routes.Aliases());
        var route = routes.Resolve("mux-alias");
        Assert.Equal("mux-alias", route.Target.Host);
        Assert.Equal("me", route.Target.User);
        Assert.Null(route.Target.ProxyCommand);
        Assert.DoesNotContain(routes.Config.FilesRead, f => f.Contains("ssh-mux-hosts", StringComparison.Ordinal) || f.Contains("mux.conf", StringComparison.Ordinal));
        Assert.Equal(2, routes.Config.SkippedFiles.Distinct().Count());
    }

    [Fact]
    public void TheGeneratedHostsFileIsSkippedWhenDotSshIsALink()
    {
        // ~/.ssh is a link to a directory elsewhere; the config includes the generated file by that real path.
        var real = _home.File("dotfiles/ssh");
        System.IO.Directory.CreateDirectory(real);
        System.IO.Directory.CreateSymbolicLink(Directory.Path, real);
        Write(SshConfigRoutes.GeneratedHostsFileName, "Host *\n  ProxyCommand ssh-mux-loop %h\n");
        var routes = Routes($"Include {Path.Combine(real, SshConfigRoutes.GeneratedHostsFileName)}\nHost real\n  Port 2\n");
        Assert.Null(routes.Resolve("real").Target.ProxyCommand);
        Assert.Single(routes.Config.SkippedFiles);
    }

    [Fact]
    public void ResolveAllReportsBrokenAliasesAndKeepsTheRest()
    {
        var routes = Routes("Host good\n  Port 1\nHost broken\n  HostName %x\n");
        var all = routes.ResolveAll(out var errors);
        Assert.Equal(new[] { "good" }, all.Select(r => r.Name));
        var error = Assert.Single(errors);
        Assert.Contains("broken", error, StringComparison.Ordinal);
        Assert.Contains("config:4", error, StringComparison.Ordinal);
    }

    [Fact]
    public void MatchExecIsLogged()
    {
        var route = Routes("Match exec \"true\"\n  User ran\n").Resolve("x");
        Assert.Equal("me", route.Target.User);
        Assert.Contains(_log, l => l.Level == SshLogLevel.Warning && l.Message.Contains("Match exec", StringComparison.Ordinal));
    }
}
