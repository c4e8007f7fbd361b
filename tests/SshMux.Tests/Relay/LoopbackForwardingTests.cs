using SshMux.Relay;
using SshMux.Routing;
using SshMux.Ssh.Connection;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Wire;

namespace SshMux.Tests.Relay;

/// <summary>
/// The remote-loopback rule judged on what the upstream's resolver makes of the host: spellings
/// of the any-address and of localhost are loopback too, and a Unix socket is always local.
/// </summary>
public sealed class LoopbackForwardingTests
{
    private static readonly RouteHop Target = new("10.0.0.10", 22, "deploy", ["/k/id_ed25519"]);

    private static Route MakeRoute(bool allowLoopback) =>
        new("web", Target, [], allowLoopback, RelayKeyboardInteractive: false, Source: "routes.toml:1");

    private static byte[] Tcpip(string host) => SessionRequests.EncodeTcpip(host, 8080, "127.0.0.1", 50000);

    /// <summary>OpenSSH PROTOCOL 2.4: string socket path, string reserved, uint32 reserved.</summary>
    private static byte[] StreamLocal(string path)
    {
        using var writer = new SshWriter();
        writer.WriteString(path).WriteString(string.Empty).WriteUInt32(0);
        return writer.ToArray();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.0")]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("::")]
    [InlineData("0:0::0")]
    [InlineData("[::]")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:0.0.0.0")]
    [InlineData("::127.0.0.1")]
    [InlineData("127.1")]
    [InlineData("2130706433")]
    [InlineData("0x7f.1")]
    [InlineData("0177.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("localhost.")]
    [InlineData("LocalHost")]
    [InlineData("ip6-localhost")]
    [InlineData("IP6-LOOPBACK.")]
    [InlineData("localhost.localdomain")]
    [InlineData("db.localhost.")]
    [InlineData("")]
    public void Other_spellings_of_loopback_are_refused(string host)
    {
        var why = LoopbackForwarding.Check(MakeRoute(allowLoopback: false), "direct-tcpip", Tcpip(host), null);

        Assert.NotNull(why);
        Assert.StartsWith("route \"web\" does not allow forwarding to the remote's loopback (", why, StringComparison.Ordinal);
        Assert.Null(LoopbackForwarding.Check(MakeRoute(allowLoopback: true), "direct-tcpip", Tcpip(host), null));
    }

    [Theory]
    [InlineData("10.0.0.20")]
    [InlineData("db.internal")]
    [InlineData("localhost.example.com")]
    [InlineData("::1:2:3:4")]
    [InlineData("fe80::1")]
    public void Other_hosts_pass(string host) =>
        Assert.Null(LoopbackForwarding.Check(MakeRoute(allowLoopback: false), "direct-tcpip", Tcpip(host), null));

    [Fact]
    public void Unix_socket_forwarding_needs_the_routes_permission_or_a_permitopen_list()
    {
        var docker = StreamLocal("/var/run/docker.sock");

        var why = LoopbackForwarding.Check(MakeRoute(allowLoopback: false), "direct-streamlocal@openssh.com", docker, null);

        Assert.Equal("route \"web\" does not allow forwarding to Unix sockets on the remote; set allow_remote_loopback_any_port = true for the route to allow it", why);
        Assert.Null(LoopbackForwarding.Check(MakeRoute(allowLoopback: true), "direct-streamlocal@openssh.com", docker, null));

        // SessionPolicy has matched the path against the key's permitopen list before this check.
        var restrictions = new AuthorizedKeyRestrictions { PortForwarding = true, PermitOpen = ["/var/run/docker.sock"] };
        Assert.Null(LoopbackForwarding.Check(MakeRoute(allowLoopback: false), "direct-streamlocal@openssh.com", docker, restrictions));
    }
}
