using System.Text;
using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Tests.Transport;

public class VersionExchangeTests
{
    private static async Task<SshException> ClientAgainstRawServer(string serverBytes, TimeSpan? versionTimeout = null)
    {
        var (clientStream, serverStream) = InMemoryConnection.Create();
        await using var raw = serverStream;
        await raw.WriteAsync(Encoding.Latin1.GetBytes(serverBytes));
        var options = TransportPair.AcceptAnyHostKey(new SshClientOptions
        {
            VersionExchangeTimeout = versionTimeout ?? TimeSpan.FromSeconds(5),
            HandshakeTimeout = TimeSpan.FromSeconds(1.5),
        });
        return await Assert.ThrowsAnyAsync<SshException>(() => SshTransport.ConnectAsync(clientStream, options));
    }

    private static async Task<SshException> ServerAgainstRawClient(string clientBytes)
    {
        var (clientStream, serverStream) = InMemoryConnection.Create();
        await using var raw = clientStream;
        await raw.WriteAsync(Encoding.Latin1.GetBytes(clientBytes));
        var options = TransportPair.ServerWithAllKeys(new SshServerOptions
        {
            VersionExchangeTimeout = TimeSpan.FromSeconds(5),
            HandshakeTimeout = TimeSpan.FromSeconds(5),
        });
        return await Assert.ThrowsAnyAsync<SshException>(() => SshTransport.AcceptAsync(serverStream, options));
    }

    [Fact]
    public void IdentificationIsBuiltAsRfc4253Says()
    {
        Assert.Equal("SSH-2.0-ssh_mux_0.1", VersionExchange.BuildIdentification("ssh_mux_0.1", null));
        Assert.Equal("SSH-2.0-x_1 hello", VersionExchange.BuildIdentification("x_1", "hello"));
        Assert.Throws<ArgumentException>(() => VersionExchange.BuildIdentification("has-dash", null));
        Assert.Throws<ArgumentException>(() => VersionExchange.BuildIdentification("has space", null));
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6")]
    [InlineData("SSH-1.99-Cisco-1.25")]
    [InlineData("SSH-2.0-dropbear_2022.83")]
    public void AcceptsVersion2Identifications(string line) => Assert.Equal(line, VersionExchange.Validate(line));

    [Theory]
    [InlineData("SSH-1.5-OldServer", DisconnectReason.ProtocolVersionNotSupported)]
    [InlineData("SSH-3.0-Future", DisconnectReason.ProtocolVersionNotSupported)]
    [InlineData("SSH-2.0", DisconnectReason.ProtocolError)]
    [InlineData("HTTP/1.1 400 Bad Request", DisconnectReason.ProtocolError)]
    [InlineData("SSH-2.0-bad\u0007bell", DisconnectReason.ProtocolError)]
    public void RefusesOtherIdentifications(string line, DisconnectReason reason) =>
        Assert.Equal(reason, Assert.Throws<SshException>(() => VersionExchange.Validate(line)).Reason);

    [Fact]
    public async Task ClientToleratesBannerLinesBeforeTheIdentification()
    {
        // The banner lines are accepted; the handshake then stalls because the raw peer sends
        // no KEXINIT, which must end in a bounded time with a message saying so.
        var ex = await ClientAgainstRawServer("Welcome to the lab\r\nAuthorized use only\r\nSSH-2.0-Test_1.0\r\n");
        Assert.Contains("key exchange", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerRefusesLinesBeforeTheIdentification()
    {
        var ex = await ServerAgainstRawClient("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Contains("no SSH identification", ex.Message, StringComparison.Ordinal);
        Assert.Contains("GET / HTTP/1.1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverlongLineIsRefused()
    {
        var ex = await ClientAgainstRawServer("SSH-2.0-" + new string('x', 300) + "\r\n");
        Assert.Contains("longer than 255", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NulInLineIsRefused()
    {
        var ex = await ClientAgainstRawServer("SSH-2.0-abc\0def\r\n");
        Assert.Contains("NUL", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentPeerTimesOut()
    {
        var ex = await ClientAgainstRawServer(string.Empty, TimeSpan.FromMilliseconds(300));
        Assert.Contains("identification string", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Timed out", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooManyBannerLinesAreRefused()
    {
        var ex = await ClientAgainstRawServer(string.Concat(Enumerable.Repeat("banner\r\n", 1100)));
        Assert.Contains("more than 1024 lines", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANonSshServerIsNamedByWhatItSent()
    {
        var (clientStream, serverStream) = InMemoryConnection.Create();
        await serverStream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
        await serverStream.DisposeAsync();
        var ex = await Assert.ThrowsAnyAsync<SshException>(() => SshTransport.ConnectAsync(clientStream, TransportPair.AcceptAnyHostKey()));
        Assert.Contains("without an SSH identification string", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP/1.0 400 Bad Request", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PeerClosingEarlyIsConnectionLost()
    {
        var (clientStream, serverStream) = InMemoryConnection.Create();
        await serverStream.WriteAsync(Encoding.ASCII.GetBytes("SSH-2.0-x"));
        await serverStream.DisposeAsync();
        var ex = await Assert.ThrowsAnyAsync<SshException>(() => SshTransport.ConnectAsync(clientStream, TransportPair.AcceptAnyHostKey()));
        Assert.Equal(DisconnectReason.ConnectionLost, ex.Reason);
        Assert.Contains("closed by peer", ex.Message, StringComparison.Ordinal);
    }
}
