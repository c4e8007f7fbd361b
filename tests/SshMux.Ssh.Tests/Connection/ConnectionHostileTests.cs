using System.Buffers.Binary;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Tests.Connection;

public class ConnectionHostileTests
{
    private static byte[] Data(uint recipient, int length)
    {
        var payload = new byte[9 + length];
        payload[0] = ConnectionMessageNumbers.ChannelData;
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(1), recipient);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(5), (uint)length);
        return payload;
    }

    private static async Task<SshException> ServerClosesWith(ConnectionPair pair)
    {
        await pair.Transports.Server.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        return Assert.IsType<SshException>(pair.Transports.Server.CloseReason);
    }

    [Fact]
    public async Task DataForAnUnknownChannelIsAProtocolError()
    {
        await using var pair = await ConnectionPair.StartAsync();
        await pair.Transports.Client.SendMessageAsync(Data(77, 10));
        var ex = await ServerClosesWith(pair);
        Assert.Contains("unknown channel 77", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataBeyondTheWindowIsAProtocolError()
    {
        await using var pair = await ConnectionPair.StartAsync();
        pair.Server.WindowSize = 1000;
        SshChannel? serverChannel = null;
        pair.Server.ChannelOpenHandler = (open, _) =>
        {
            serverChannel = open.Channel;
            return Task.FromResult(ChannelOpenDecision.Accept(_ => Task.CompletedTask));
        };
        var channel = await pair.Client.OpenSessionAsync();
        await pair.Transports.Client.SendMessageAsync(Data(channel.RemoteId, 800));
        await pair.Transports.Client.SendMessageAsync(Data(channel.RemoteId, 800));
        var ex = await ServerClosesWith(pair);
        Assert.Contains("window", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionMessagesBeforeAuthenticationAreRefused()
    {
        await using var transports = await TransportPair.StartAsync();
        await transports.Client.RequestServiceAsync("ssh-userauth");
        _ = new SshConnectionService(new SshServiceRouter(transports.Server));
        await transports.Client.SendMessageAsync(new ChannelOpenMessage("session", 0, 1000, 1000, []).ToPayload());
        await transports.Server.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("before authentication", transports.Server.CloseReason!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChannelsFailWhenTheConnectionDies()
    {
        await using var pair = await ConnectionPair.StartAsync();
        pair.Server.ChannelOpenHandler = (_, _) => Task.FromResult(ChannelOpenDecision.Accept(_ => Task.CompletedTask));
        var channel = await pair.Client.OpenSessionAsync();
        var pendingRequest = channel.SendRequestAsync("exec", true, SessionRequests.EncodeExec("sleep"));
        await pair.Transports.Server.DisconnectAsync(DisconnectReason.ByApplication, "going away");
        var e = await channel.ReadEventAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(ChannelEventKind.Closed, e.Kind);
        Assert.NotNull(e.Error);
        await Assert.ThrowsAnyAsync<SshException>(() => pendingRequest.WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAnyAsync<SshException>(() => pair.Client.OpenSessionAsync());
    }
}
