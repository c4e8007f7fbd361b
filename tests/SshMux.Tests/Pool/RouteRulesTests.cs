using SshMux.Pool;
using SshMux.Relay;
using SshMux.Routing;
using SshMux.Ssh.Connection;
using SshMux.Ssh.OpenSsh;

namespace SshMux.Tests.Pool;

/// <summary>The route rules without peers: which names are routes, the loopback forwarding rule, and the pool key.</summary>
public sealed class RouteRulesTests
{
    private static readonly RouteHop Target = new("10.0.0.10", 22, "deploy", ["/k/id_ed25519"]);

    private static Route MakeRoute(string name, bool allowLoopback = false, IReadOnlyList<RouteHop>? jumps = null) =>
        new(name, Target, jumps ?? [], allowLoopback, RelayKeyboardInteractive: false, Source: "routes.toml:1");

    private static byte[] Tcpip(string host, uint port) => SessionRequests.EncodeTcpip(host, port, "127.0.0.1", 50000);

    [Fact]
    public void RouteTableRefusesUnknownNamesListingTheRoutes()
    {
        var table = RouteTable.FromRoutes([MakeRoute("web"), MakeRoute("db")]);

        Assert.Equal("web", table.Resolve("web")?.Name);
        Assert.Null(table.Resolve("WEB"));
        Assert.Contains("\"home\" is not a route; the routes are: db, web.", table.Refusal("home"), StringComparison.Ordinal);

        // A name full of control characters is shown, not interpreted.
        Assert.DoesNotContain("\u001b", table.Refusal("x\u001b[2J"), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RouteTable.FromRoutes([MakeRoute("web"), MakeRoute("web")]));
    }

    [Theory]
    [InlineData("127.0.0.1", 8080, false, true)]
    [InlineData("localhost", 5432, false, true)]
    [InlineData("::1", 22, false, true)]
    [InlineData("127.1.2.3", 80, false, true)]
    [InlineData("127.0.0.1", 8080, true, false)]
    [InlineData("10.0.0.20", 5432, false, false)]
    [InlineData("db.internal", 5432, false, false)]
    public void RemoteLoopbackNeedsTheRoutesPermission(string host, uint port, bool allowLoopback, bool refused)
    {
        var why = LoopbackForwarding.Check(MakeRoute("web", allowLoopback), "direct-tcpip", Tcpip(host, port), null);

        Assert.Equal(refused, why is not null);
        if (refused)
        {
            Assert.Contains("allow_remote_loopback_any_port", why, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PermitOpenOfTheKeyAllowsTheLoopbackTargetsItNames()
    {
        // SessionPolicy checks the list first; a target that got this far is on it.
        var restrictions = new AuthorizedKeyRestrictions { PortForwarding = true, PermitOpen = ["127.0.0.1:8080"] };

        Assert.Null(LoopbackForwarding.Check(MakeRoute("web"), "direct-tcpip", Tcpip("127.0.0.1", 8080), restrictions));
        Assert.Null(LoopbackForwarding.Check(MakeRoute("web"), "session", [], null));
    }

    [Fact]
    public void PoolKeySeparatesLocalKeysIdentitiesAndPaths()
    {
        var direct = MakeRoute("web");
        var jumped = MakeRoute("web-via", jumps: [new RouteHop("bastion", 22, "jump", [])]);
        var otherKey = direct with { Target = Target with { IdentityFiles = ["/k/id_rsa"] } };
        var proxied = direct with { Target = Target with { ProxyCommand = "nc %h %p" } };

        var key = PoolKey.For(direct, 0, "SHA256:a");
        Assert.Equal(key, PoolKey.For(MakeRoute("alias-of-web"), 0, "SHA256:a"));
        Assert.NotEqual(key, PoolKey.For(direct, 0, "SHA256:b"));
        Assert.NotEqual(key, PoolKey.For(jumped, 1, "SHA256:a"));
        Assert.NotEqual(key, PoolKey.For(otherKey, 0, "SHA256:a"));
        Assert.NotEqual(key, PoolKey.For(proxied, 0, "SHA256:a"));

        // The jump hop of the path is its own key, shared by every route through it.
        Assert.Equal(PoolKey.For(jumped, 0, "SHA256:a"), PoolKey.For(MakeRoute("other", jumps: [new RouteHop("bastion", 22, "jump", [])]), 0, "SHA256:a"));
        Assert.Equal("jump@bastion:22 -> deploy@10.0.0.10:22", PoolKey.Display(jumped, 1));
    }
}
