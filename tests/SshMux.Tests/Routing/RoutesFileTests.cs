using System.Text;
using SshMux.Interop.Tests.Harness;
using SshMux.Routing;

namespace SshMux.Tests.Routing;

public sealed class RoutesFileTests
{
    private const string File = "routes.toml";
    /// <summary>A global [jump] section for tests about which routes use it.</summary>
    private const string GlobalJump = "[jump]\nhost = \"gw.example\"\nuser = \"j\"\n";

    private static readonly string Home = Path.Combine(Path.GetTempPath(), "ssh-mux-home");

    /// <summary>The routes file from the ssh-mux README (seed "Routes file" section).</summary>
    private const string SeedExample = """
        [jump]
        host = "bastion.example.com"
        port = 22
        user = "jumpuser"

        [routes.webserver]
        host = "10.0.0.10"
        port = 22
        user = "deploy"

        [routes.dbserver]
        host = "10.0.0.20"
        port = 22
        user = "admin"

        [routes.external]
        host = "203.0.113.50"
        port = 22
        user = "ops"
        direct = true # bypasses the jump host
        """;

    [Fact]
    public void SeedExampleLoads()
    {
        var routes = Parse(SeedExample);
        Assert.Equal(["webserver", "dbserver", "external"], routes.Select(r => r.Name));
        var bastion = new RouteHop("bastion.example.com", 22, "jumpuser", []);

        var web = routes[0];
        Assert.Equal("10.0.0.10", web.Target.Host);
        Assert.Equal(22, web.Target.Port);
        Assert.Equal("deploy", web.Target.User);
        Assert.Equal("deploy@10.0.0.10:22", web.Target.Display);
        Assert.Empty(web.Target.IdentityFiles);
        Assert.Null(web.Target.ProxyCommand);
        Assert.Equal(HostKeyPolicy.Ask, web.Target.HostKeyPolicy);
        Assert.Equal("jumpuser@bastion.example.com:22", Assert.Single(web.Jumps).Display);
        Assert.Equal(bastion.Display, Assert.Single(routes[1].Jumps).Display);
        Assert.False(web.AllowRemoteLoopbackAnyPort);
        Assert.False(web.RelayKeyboardInteractive);
        Assert.Equal("routes.toml:6", web.Source);
        Assert.Equal("routes.toml:11", routes[1].Source);

        var external = routes[2];
        Assert.Empty(external.Jumps);
        Assert.Equal("ops@203.0.113.50:22", external.Target.Display);
        Assert.Equal("routes.toml:16", external.Source);
    }

    [Fact]
    public void DefaultsApply()
    {
        var routes = Parse("""
            default_allow_remote_loopback_any_port = true
            [routes.a]
            host = "a.example"
            user = "u"
            [routes.b]
            host = "b.example"
            user = "u"
            port = 2222
            allow_remote_loopback_any_port = false
            relay_keyboard_interactive = true
            strict_host_key_checking = "accept-new"
            [routes.c]
            host = "c.example"
            user = "u"
            strict_host_key_checking = "yes"
            """);
        Assert.Equal(22, routes[0].Target.Port);
        Assert.True(routes[0].AllowRemoteLoopbackAnyPort);
        Assert.False(routes[0].RelayKeyboardInteractive);
        Assert.Empty(routes[0].Jumps);
        Assert.Equal(2222, routes[1].Target.Port);
        Assert.False(routes[1].AllowRemoteLoopbackAnyPort);
        Assert.True(routes[1].RelayKeyboardInteractive);
        Assert.Equal(HostKeyPolicy.AcceptNew, routes[1].Target.HostKeyPolicy);
        Assert.Equal(HostKeyPolicy.Strict, routes[2].Target.HostKeyPolicy);

        var withoutDefault = Parse("""
            [routes.a]
            host = "a.example"
            user = "u"
            [routes.b]
            host = "b.example"
            user = "u"
            allow_remote_loopback_any_port = true
            """);
        Assert.False(withoutDefault[0].AllowRemoteLoopbackAnyPort);
        Assert.True(withoutDefault[1].AllowRemoteLoopbackAnyPort);
    }

    [Fact]
    public void IdentityFilesExpandTilde()
    {
        var absolute = Path.Combine(Path.GetTempPath(), "keys", "id_rsa");
        var routes = Parse($$"""
            [jump]
            host = "gw"
            user = "j"
            identity_file = "~/.ssh/jump_key"
            [routes.a]
            host = "a"
            user = "u"
            identity_file = ["~/.ssh/id_ed25519", '{{absolute}}']
            """);
        Assert.Equal([Path.Combine(Home, ".ssh", "id_ed25519"), absolute], routes[0].Target.IdentityFiles);
        Assert.Equal([Path.Combine(Home, ".ssh", "jump_key")], routes[0].Jumps[0].IdentityFiles);
    }

    [Fact]
    public void ProxyCommandIsExpandedAndBypassesGlobalJump()
    {
        var routes = Parse(GlobalJump + """
            [routes.coder]
            host = "ws.coder"
            port = 2200
            user = "me"
            proxy_command = "coder ssh --stdio %n -- %r@%h:%p 100%%"
            """);
        var route = Assert.Single(routes);
        Assert.Equal("coder ssh --stdio coder -- me@ws.coder:2200 100%", route.Target.ProxyCommand);
        Assert.Empty(route.Jumps);
    }

    [Fact]
    public void PerRouteJumpNamesAnotherRoute()
    {
        var routes = Parse(GlobalJump + """
            [routes.inner]
            host = "10.1.0.5"
            user = "deploy"
            jump = "mid"
            [routes.mid]
            host = "10.1.0.1"
            user = "hop"
            port = 2022
            [routes.direct-one]
            host = "198.51.100.7"
            user = "d"
            direct = true
            [routes.via-direct]
            host = "10.9.0.1"
            user = "v"
            jump = "direct-one"
            """);
        var inner = routes[0];
        Assert.Equal(["j@gw.example:22", "hop@10.1.0.1:2022"], inner.Jumps.Select(h => h.Display));
        Assert.Equal(["j@gw.example:22"], routes[1].Jumps.Select(h => h.Display));
        Assert.Equal(["d@198.51.100.7:22"], routes[3].Jumps.Select(h => h.Display));
    }

    [Fact]
    public void PerRouteJumpChainOfHostSpecs()
    {
        var routes = Parse(GlobalJump + """
            [routes.deep]
            host = "10.2.0.9"
            user = "me"
            identity_file = "~/.ssh/deep"
            strict_host_key_checking = "accept-new"
            jump = "ops@outer.example:2222, inner.example ,[fd00::1]:2200,root@[fd00::2]"
            """);
        var hops = Assert.Single(routes).Jumps;
        Assert.Equal(["ops@outer.example:2222", "me@inner.example:22", "me@[fd00::1]:2200", "root@[fd00::2]:22"], hops.Select(h => h.Display));
        Assert.All(hops, h => Assert.Equal([Path.Combine(Home, ".ssh", "deep")], h.IdentityFiles));
        Assert.All(hops, h => Assert.Equal(HostKeyPolicy.AcceptNew, h.HostKeyPolicy));
    }

    [Fact]
    public void ProxyCommandRouteMayStartAChain()
    {
        var routes = Parse("""
            [routes.gw]
            host = "gw"
            user = "g"
            proxy_command = "nc -X connect -x proxy:3128 %h %p"
            [routes.behind]
            host = "10.0.0.2"
            user = "b"
            jump = "gw"
            """);
        var first = Assert.Single(routes[1].Jumps);
        Assert.Equal("nc -X connect -x proxy:3128 gw 22", first.ProxyCommand);
    }

    [Fact]
    public void InlineRouteSourceIsItsKeyLine()
    {
        var routes = Parse("""
            # comment

            routes.a = { host = "a", user = "u" }
            """);
        Assert.Equal("routes.toml:3", Assert.Single(routes).Source);
    }

    [Theory]
    [InlineData("""
        [routes.a]
        host = "a"
        user = "u"
        jump = "b"
        [routes.b]
        host = "b"
        user = "u"
        jump = "a"
        """, 4, "routes.a.jump", "jump cycle: a -> b -> a")]
    [InlineData("""
        [routes.a]
        host = "a"
        user = "u"
        jump = "a"
        """, 4, "routes.a.jump", "jump cycle: a -> a")]
    [InlineData("""
        [routes.x]
        host = "x"
        user = "u"
        jump = "ops@gw.example,y"
        [routes.y]
        host = "y"
        user = "u"
        jump = "z"
        [routes.z]
        host = "z"
        user = "u"
        jump = "x"
        """, 4, "routes.x.jump", "jump cycle: x -> y -> z -> x")]
    public void JumpCyclesAreErrors(string text, int line, string key, string message) =>
        AssertError(text, line, key, message);

    [Theory]
    [InlineData("[routes.web]\nhost = \"h\"\nuser = \"u\"\n\n\n\nprot = 22\n", 7, "routes.web.prot", "unknown key (expected one of host, port, user, identity_file")]
    [InlineData("verbose = true\n", 1, "verbose", "unknown key (expected one of jump, routes, default_allow_remote_loopback_any_port)")]
    [InlineData("[jump]\nhost = \"h\"\nuser = \"u\"\ndirect = true\n", 4, "jump.direct", "unknown key")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\nport = \"22\"\n", 4, "routes.a.port", "expected an integer port number, found a string")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\nport = 0\n", 4, "routes.a.port", "port 0 is out of range (1-65535)")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\nport = 65536\n", 4, "routes.a.port", "port 65536 is out of range")]
    [InlineData("[jump]\nhost = \"h\"\nuser = \"u\"\nport = -1\n", 4, "jump.port", "out of range")]
    [InlineData("[routes.a]\nhost = 10\nuser = \"u\"\n", 2, "routes.a.host", "expected a string, found an integer")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\ndirect = \"yes\"\n", 4, "routes.a.direct", "expected a boolean (true or false), found a string")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\nrelay_keyboard_interactive = 1\n", 4, "routes.a.relay_keyboard_interactive", "expected a boolean")]
    [InlineData("default_allow_remote_loopback_any_port = \"true\"\n", 1, "default_allow_remote_loopback_any_port", "expected a boolean")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\nallow_remote_loopback_any_port = []\n", 4, "routes.a.allow_remote_loopback_any_port", "expected a boolean (true or false), found an array")]
    [InlineData("[routes.a]\nhost = \"h \"\nuser = \"u\"\n", 2, "routes.a.host", "must not start or end with white space")]
    [InlineData("[routes.a]\nhost = \"\\th\"\nuser = \"u\"\n", 2, "routes.a.host", "must not start or end with white space")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\\nx\"\n", 3, "routes.a.user", "must not contain a newline, carriage return or NUL")]
    [InlineData("[routes.a]\nhost = \"h\\r\"\nuser = \"u\"\n", 2, "routes.a.host", "must not contain a newline")]
    [InlineData("[routes.a]\nhost = \"h\\u0000\"\nuser = \"u\"\n", 2, "routes.a.host", "NUL")]
    [InlineData("[routes.a]\nhost = \"\"\nuser = \"u\"\n", 2, "routes.a.host", "must not be empty")]
    [InlineData("\n[routes.a]\nuser = \"u\"\n", 2, "routes.a", "'host' is required")]
    [InlineData("[routes.a]\nhost = \"h\"\n", 1, "routes.a", "'user' is required")]
    [InlineData("[jump]\nhost = \"h\"\n", 1, "jump", "'user' is required")]
    [InlineData("jump = \"gw\"\n", 1, "jump", "expected a table, found a string")]
    [InlineData("routes = [1]\n", 1, "routes", "expected a table, found an array")]
    [InlineData("[routes]\nweb = 1\n", 2, "routes.web", "expected a table ([routes.web]), found an integer")]
    [InlineData("[routes.\"bad name\"]\nhost = \"h\"\nuser = \"u\"\n", 1, "routes.bad name", "a route name may only contain")]
    [InlineData("[routes.\"web\\n\"]\nhost = \"h\"\nuser = \"u\"\n", 1, "routes.web\n", "a route name may only contain")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\nstrict_host_key_checking = \"no\"\n", 4, "routes.a.strict_host_key_checking", "'no' is not one of \"ask\", \"accept-new\", \"yes\"")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\nidentity_file = \"keys/id\"\n", 4, "routes.a.identity_file", "'keys/id' must be an absolute path or start with ~/")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\nidentity_file = 3\n", 4, "routes.a.identity_file", "expected a string or an array of strings, found an integer")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\nidentity_file = [\n\"~/k\",\n true]\n", 6, "routes.a.identity_file", "found a boolean in the array")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\ndirect = true\njump = \"x@y\"\n", 5, "routes.a.jump", "cannot be combined with direct = true")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\nproxy_command = \"nc %h %p\"\njump = \"x@y\"\n", 5, "routes.a.jump", "cannot be combined with proxy_command")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\nproxy_command = \"nc %h %x\"\n", 4, "routes.a.proxy_command", "unknown escape '%x'")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\nproxy_command = \"nc %h 5%\"\n", 4, "routes.a.proxy_command", "ends with a lone '%'")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\njump = \"bastoin\"\n", 4, "routes.a.jump", "unknown route 'bastoin'")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\njump = \"x@y,,z@w\"\n", 4, "routes.a.jump", "has an empty hop")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\njump = \"x@y:99999\"\n", 4, "routes.a.jump", "invalid port '99999'")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\njump = \"@y.example\"\n", 4, "routes.a.jump", "empty user name")]
    [InlineData("[routes.a]\nhost = \"h\"\nuser = \"u\"\njump = \"x@[fd00::1\"\n", 4, "routes.a.jump", "'[' without ']'")]
    [InlineData("[routes.p]\nhost = \"h\"\nuser = \"u\"\nproxy_command = \"nc %h %p\"\n[routes.a]\nhost = \"h\"\nuser = \"u\"\njump = \"x@y.example,p\"\n", 8, "routes.a.jump", "can only be the first hop")]
    public void ErrorsNameLineAndKey(string text, int line, string key, string message) =>
        AssertError(text, line, key, message);

    [Theory]
    [InlineData("[routes.a]\nhost = \"h\"\nhost = \"i\"\n", 3, "key 'routes.a.host' is already defined (line 2)")]
    [InlineData("[routes.a]\nhost = \"h\n", 2, "unterminated string")]
    [InlineData("[routes.a]\nhost = \"h\"\n[routes.a]\n", 3, "cannot define 'routes.a' as a table")]
    public void TomlSyntaxErrorsNameTheLine(string text, int line, string message)
    {
        var error = Assert.Throws<RoutesFileException>(() => Parse(text));
        Assert.StartsWith($"{File}:{line}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileIsNoRoutes()
    {
        using var dir = new TempDirectory("ssh-mux-routes");
        Assert.Empty(RoutesFile.Load(dir.File(RoutesFile.FileName), Home));
        Assert.Empty(RoutesFile.Load(Path.Combine(dir.Path, "no-such-dir", RoutesFile.FileName), Home));
    }

    [Fact]
    public void UnreadableFileIsAnError()
    {
        using var dir = new TempDirectory("ssh-mux-routes");
        var path = dir.File(RoutesFile.FileName);
        Directory.CreateDirectory(path);
        var error = Assert.Throws<RoutesFileException>(() => RoutesFile.Load(path, Home));
        Assert.StartsWith($"{path}: cannot read the routes file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadReadsTheFileAndUsesItsPathInSources()
    {
        using var dir = new TempDirectory("ssh-mux-routes");
        var path = dir.File(RoutesFile.FileName);
        System.IO.File.WriteAllText(path, SeedExample.Replace("\n", "\r\n", StringComparison.Ordinal));
        var routes = RoutesFile.Load(path, Home);
        Assert.Equal(3, routes.Count);
        Assert.Equal($"{path}:16", routes[2].Source);
    }

    [Fact]
    public void LoadWithoutHomeUsesTheCurrentUsersHome()
    {
        using var dir = new TempDirectory("ssh-mux-routes");
        var path = dir.File(RoutesFile.FileName);
        System.IO.File.WriteAllText(path, "[routes.a]\nhost = \"h\"\nuser = \"u\"\nidentity_file = \"~/.ssh/id_a\"\n");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal([Path.Combine(home, ".ssh", "id_a")], Assert.Single(RoutesFile.Load(path)).Target.IdentityFiles);
    }

    [Fact]
    public void InvalidUtf8IsAnErrorWithItsLine()
    {
        var bytes = Encoding.UTF8.GetBytes("[routes.a]\nhost = \"h\"\nuser = \"").Concat(new byte[] { 0xC3, 0x28, (byte)'"', (byte)'\n' }).ToArray();
        var error = Assert.Throws<RoutesFileException>(() => RoutesFile.Parse(bytes, File, Home));
        Assert.StartsWith($"{File}:3: the file is not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<Route> Parse(string text) => RoutesFile.Parse(Encoding.UTF8.GetBytes(text), File, Home);

    private static void AssertError(string text, int line, string key, string message)
    {
        var error = Assert.Throws<RoutesFileException>(() => Parse(text));
        Assert.StartsWith($"{File}:{line}: {key}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
