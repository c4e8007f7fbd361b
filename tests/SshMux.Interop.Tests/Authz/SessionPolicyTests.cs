using SshMux.Relay;
using SshMux.Ssh.Connection;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Wire;

namespace SshMux.Interop.Tests.Authz;

/// <summary>
/// The relay's channel checks on their own (no peer needed): direct-tcpip and
/// direct-streamlocal under no-port-forwarding and permitopen, matched as channels.c
/// open_match does.
/// </summary>
public class SessionPolicyTests
{
    private static readonly AuthorizedKeyRestrictions Open = new() { Pty = true, PortForwarding = true, AgentForwarding = true, X11Forwarding = true };

    private static SessionPolicy Policy(AuthorizedKeyRestrictions? restrictions, List<string>? log = null) =>
        new(restrictions, "127.0.0.1:50000", (_, message) => log?.Add(message));

    private static byte[] Tcpip(string host, uint port) => SessionRequests.EncodeTcpip(host, port, "127.0.0.1", 40000);

    private static byte[] StreamLocal(string path)
    {
        using var writer = new SshWriter();
        writer.WriteString(path).WriteString(string.Empty).WriteUInt32(0);
        return writer.ToArray();
    }

    [Fact]
    public void WithoutRestrictionsEverythingOpens()
    {
        var policy = Policy(null);
        Assert.Null(policy.CheckOpen("direct-tcpip", Tcpip("example.org", 22)));
        Assert.Null(policy.CheckOpen("direct-streamlocal@openssh.com", StreamLocal("/run/x.sock")));
        Assert.True(policy.AllowsPty);
        Assert.Null(policy.ForcedCommand);
        Assert.Equal("unrestricted", policy.Describe());
    }

    [Fact]
    public void NoPortForwardingRefusesTcpAndUnixTargetsButNotSessions()
    {
        var closed = Policy(Open with { PortForwarding = false });
        Assert.Contains("port forwarding is not allowed", closed.CheckOpen("direct-tcpip", Tcpip("127.0.0.1", 22)), StringComparison.Ordinal);
        Assert.Contains("port forwarding is not allowed", closed.CheckOpen("direct-streamlocal@openssh.com", StreamLocal("/run/x.sock")), StringComparison.Ordinal);
        Assert.Null(closed.CheckOpen("session", []));

        var open = Policy(Open);
        Assert.Null(open.CheckOpen("direct-tcpip", Tcpip("127.0.0.1", 22)));
        Assert.Null(open.CheckOpen("direct-streamlocal@openssh.com", StreamLocal("/run/x.sock")));
    }

    [Theory]
    [InlineData("db.example:5432", "db.example", 5432u, true)]
    [InlineData("db.example:5432", "db.example", 5433u, false)]
    [InlineData("db.example:5432", "DB.example", 5432u, false)]
    [InlineData("db.example:*", "db.example", 1u, true)]
    [InlineData("*:443", "anything.example", 443u, true)]
    [InlineData("*:443", "anything.example", 80u, false)]
    [InlineData("[2001:db8::1]:22", "2001:db8::1", 22u, true)]
    [InlineData("[2001:db8::1]:22", "2001:db8::2", 22u, false)]
    [InlineData("10.0.0.1/22", "10.0.0.1", 22u, true)]
    [InlineData("db.example:5432", "db.example", 70000u, false)]
    public void PermitOpenMatchesHostAndPortAsWritten(string permit, string host, uint port, bool allowed)
    {
        var log = new List<string>();
        var policy = Policy(Open with { PermitOpen = [permit] }, log);
        var refusal = policy.CheckOpen("direct-tcpip", Tcpip(host, port));
        Assert.Equal(allowed, refusal is null);
        if (!allowed)
        {
            Assert.Contains("is not a permitopen target", refusal, StringComparison.Ordinal);
            policy.LogRefusal("direct-tcpip channel", refusal!);
            Assert.Contains(log, l => l.StartsWith("Refused direct-tcpip channel from 127.0.0.1:50000: ", StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// A socket path has no port (sshd matches it with PORT_STREAMLOCAL), and permitopen cannot
    /// name a path (its parser splits at the first '/'), so only "*:*" lets one through.
    /// </summary>
    [Fact]
    public void PermitOpenAllowsAUnixSocketOnlyThroughAnyHostAndAnyPort()
    {
        Assert.Null(Policy(Open with { PermitOpen = ["127.0.0.1:22", "*:*"] }).CheckOpen("direct-streamlocal@openssh.com", StreamLocal("/run/x.sock")));
        Assert.NotNull(Policy(Open with { PermitOpen = ["127.0.0.1:22"] }).CheckOpen("direct-streamlocal@openssh.com", StreamLocal("/run/x.sock")));
        Assert.NotNull(Policy(Open with { PermitOpen = ["*:22"] }).CheckOpen("direct-streamlocal@openssh.com", StreamLocal("/run/x.sock")));
        Assert.Throws<FormatException>(() => AuthorizedKeyOptions.Parse("permitopen=\"/run/x.sock:*\""));
    }

    [Fact]
    public void MalformedOpenDataIsRefusedWhenItMustBeChecked()
    {
        var policy = Policy(Open with { PermitOpen = ["*:*"] });
        Assert.Contains("malformed", policy.CheckOpen("direct-tcpip", [0, 0, 0, 9, 1]), StringComparison.Ordinal);
        Assert.Null(policy.CheckOpen("direct-tcpip", Tcpip("a", 1)));
    }

    [Fact]
    public void DescribeNamesTheRestrictions()
    {
        var policy = Policy(Open with { Pty = false, PortForwarding = false, PermitOpen = ["a:1"], Command = "echo hi", Environment = ["A=secret"] });
        Assert.Equal("no-pty,no-port-forwarding,permitopen=\"a:1\",command=\"echo hi\",environment=\"A=...\"", policy.Describe());
        Assert.False(policy.AllowsPty);
        Assert.Equal("echo hi", policy.ForcedCommand);
        Assert.Equal(["A=secret"], policy.Environment);
    }
}
