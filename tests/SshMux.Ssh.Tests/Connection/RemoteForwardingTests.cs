using SshMux.Ssh.Connection;
using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Connection;

/// <summary>The client side of tcpip-forward (RFC 4254 section 7.1) against a scripted server; real servers are in SshMux.Interop.Tests/Forwarding.</summary>
public class RemoteForwardingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static (string Address, uint Port) Decode(byte[] data)
    {
        var r = new SshReader(data);
        var address = r.ReadString();
        var port = r.ReadUInt32();
        r.EnsureEnd("tcpip-forward");
        return (address, port);
    }

    /// <summary>
    /// The server opens a forwarded-tcpip channel before it even answers the request (so the
    /// open can overtake the reply): the channel still reaches the forward's handler.
    /// </summary>
    [Fact]
    public async Task AChannelOpenedRightAwayReachesTheForwardsHandler()
    {
        await using var pair = await ConnectionPair.StartAsync();
        var requests = new List<string>();
        Task<SshChannel>? opened = null;
        pair.Server.GlobalRequestHandler = (request, _) =>
        {
            var (address, port) = Decode(request.Data);
            lock (requests)
            {
                requests.Add($"{request.RequestName} {address}:{port}");
            }

            if (request.RequestName == RemoteForwarding.TcpipForward)
            {
                opened = pair.Server.OpenChannelAsync(RemoteForwarding.ForwardedTcpip, SessionRequests.EncodeTcpip(address, 40123, "10.1.2.3", 5555));
                return ValueTask.FromResult((true, new byte[] { 0, 0, 0x9c, 0xbb }));
            }

            return ValueTask.FromResult((true, Array.Empty<byte>()));
        };

        var forwarding = new RemoteForwarding(pair.Client);
        var seen = new TaskCompletionSource<(ForwardedTcpipInfo, string)>();
        var forward = await forwarding.RequestAsync("localhost", 0, async (channel, info) =>
        {
            var e = await channel.ReadEventAsync();
            seen.TrySetResult((info, System.Text.Encoding.ASCII.GetString(e.Data.Span)));
            channel.Release(e);
            await channel.CloseAsync();
        }).WaitAsync(Limit);
        Assert.Equal(40123u, forward.BoundPort);

        var server = await opened!.WaitAsync(Limit);
        await server.SendDataAsync("hello"u8.ToArray());
        var (info, text) = await seen.Task.WaitAsync(Limit);
        Assert.Equal(new ForwardedTcpipInfo("localhost", 40123, "10.1.2.3", 5555), info);
        Assert.Equal("hello", text);

        await forward.DisposeAsync();
        await forward.CancelAsync(); // once only
        Assert.Equal(["tcpip-forward localhost:0", "cancel-tcpip-forward localhost:40123"], requests);
    }

    [Fact]
    public async Task ChannelsForNoForwardAreRefusedAndOthersGoToTheEarlierHandler()
    {
        await using var pair = await ConnectionPair.StartAsync();
        pair.Client.ChannelOpenHandler = (open, _) => Task.FromResult(ChannelOpenDecision.Reject(ChannelOpenFailureReason.ResourceShortage, "earlier handler saw " + open.ChannelType));
        _ = new RemoteForwarding(pair.Client);

        var stray = await Assert.ThrowsAsync<ChannelOpenException>(() => pair.Server.OpenChannelAsync(RemoteForwarding.ForwardedTcpip, SessionRequests.EncodeTcpip("127.0.0.1", 9999, "127.0.0.1", 1)).WaitAsync(Limit));
        Assert.Equal(ChannelOpenFailureReason.AdministrativelyProhibited, stray.FailureReason);
        Assert.Contains("no forward was requested for 127.0.0.1:9999", stray.Description, StringComparison.Ordinal);

        var other = await Assert.ThrowsAsync<ChannelOpenException>(() => pair.Server.OpenChannelAsync("x11", ReadOnlyMemory<byte>.Empty).WaitAsync(Limit));
        Assert.Equal("earlier handler saw x11", other.Description);
    }

    [Fact]
    public async Task RefusalsAndBadPortsAreClearErrors()
    {
        await using var pair = await ConnectionPair.StartAsync();
        var answer = (false, Array.Empty<byte>());
        pair.Server.GlobalRequestHandler = (_, _) => ValueTask.FromResult(answer);
        var forwarding = new RemoteForwarding(pair.Client);

        var refused = await Assert.ThrowsAsync<SshException>(() => forwarding.RequestAsync(string.Empty, 8080, (_, _) => Task.CompletedTask).WaitAsync(Limit));
        Assert.Contains("refused to forward *:8080", refused.Message, StringComparison.Ordinal);

        answer = (true, new byte[] { 0, 1, 0, 0 }); // port 65536
        var bad = await Assert.ThrowsAsync<SshException>(() => forwarding.RequestAsync("localhost", 0, (_, _) => Task.CompletedTask).WaitAsync(Limit));
        Assert.Contains("bound port 65536", bad.Message, StringComparison.Ordinal);
    }
}
