using System.Security.Cryptography;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Tests.Support;

namespace SshMux.Ssh.Tests.Connection;

public class ConnectionTests
{
    [Fact]
    public async Task ExecEchoesStdinWithHalfCloseAndExitStatus()
    {
        await using var pair = await ConnectionPair.StartAsync();
        TestSessionServer.Attach(pair.Server);
        var input = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var (stdout, stderr, status) = await TestExec.RunAsync(pair.Client, "echo", input);
        Assert.Equal(SHA256.HashData(input), SHA256.HashData(stdout));
        Assert.Empty(stderr);
        Assert.Equal(0u, status);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(44u)]
    public async Task ExitStatusAndStderrAreKeptApart(uint code)
    {
        await using var pair = await ConnectionPair.StartAsync();
        TestSessionServer.Attach(pair.Server);
        var (stdout, stderr, status) = await TestExec.RunAsync(pair.Client, $"exit {code}", []);
        Assert.Empty(stdout);
        Assert.Equal("bye\n"u8.ToArray(), stderr);
        Assert.Equal(code, status);
    }

    [Fact]
    public async Task FiftyConcurrentChannelsOnOneConnection()
    {
        await using var pair = await ConnectionPair.StartAsync();
        TestSessionServer.Attach(pair.Server);
        var runs = Enumerable.Range(0, 50).Select(async i =>
        {
            var input = RandomNumberGenerator.GetBytes(100_000 + i);
            var (stdout, _, status) = await TestExec.RunAsync(pair.Client, "echo", input);
            Assert.Equal(input, stdout);
            Assert.Equal(0u, status);
        });
        await Task.WhenAll(runs);
        await Wait.UntilAsync(() => pair.Client.ChannelCount == 0 && pair.Server.ChannelCount == 0);
    }

    [Fact]
    public async Task SlowReaderBoundsWhatIsBuffered()
    {
        await using var pair = await ConnectionPair.StartAsync();
        var sent = 0L;
        var serverDone = new TaskCompletionSource();
        pair.Server.ChannelOpenHandler = (_, _) => Task.FromResult(ChannelOpenDecision.Accept(async channel =>
        {
            var block = new byte[32 * 1024];
            for (var i = 0; i < 320; i++)
            {
                await channel.SendDataAsync(block);
                Interlocked.Add(ref sent, block.Length);
            }

            await channel.SendEofAsync();
            await channel.CloseAsync();
            serverDone.SetResult();
        }));
        var channel = await pair.Client.OpenSessionAsync();

        // Nothing is read yet: the server can send no more than the window we granted.
        await Task.Delay(300);
        Assert.True(Interlocked.Read(ref sent) <= SshConnectionService.DefaultWindowSize, $"{sent} bytes sent into a {SshConnectionService.DefaultWindowSize}-byte window");
        Assert.False(serverDone.Task.IsCompleted);

        long received = 0;
        while (true)
        {
            var e = await channel.ReadEventAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            if (e.Kind == ChannelEventKind.Closed)
            {
                break;
            }

            received += e.Length;
            channel.Release(e);
        }

        Assert.Equal(320L * 32 * 1024, received);
        await serverDone.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task RefusedOpenCarriesReasonAndDescription()
    {
        await using var pair = await ConnectionPair.StartAsync();
        TestSessionServer.Attach(pair.Server);
        var ex = await Assert.ThrowsAsync<ChannelOpenException>(() => pair.Client.OpenChannelAsync("x11", ReadOnlyMemory<byte>.Empty));
        Assert.Equal(ChannelOpenFailureReason.UnknownChannelType, ex.FailureReason);
        Assert.Contains("unknown channel type x11", ex.Description, StringComparison.Ordinal);

        // Without a handler, opens are refused as prohibited: the default refuses.
        var ex2 = await Assert.ThrowsAsync<ChannelOpenException>(() => pair.Server.OpenSessionAsync());
        Assert.Equal(ChannelOpenFailureReason.AdministrativelyProhibited, ex2.FailureReason);
    }

    [Fact]
    public async Task GlobalRequestsAreAnsweredAndNoMoreSessionsIsHonoured()
    {
        await using var pair = await ConnectionPair.StartAsync();
        TestSessionServer.Attach(pair.Server);
        var (ok, _) = await pair.Client.SendGlobalRequestAsync("keepalive@openssh.com", true, ReadOnlyMemory<byte>.Empty);
        Assert.False(ok);
        (ok, _) = await pair.Client.SendGlobalRequestAsync("tcpip-forward", true, SessionRequests.EncodeExec("x"));
        Assert.False(ok);
        await pair.Client.SendGlobalRequestAsync("no-more-sessions@openssh.com", false, ReadOnlyMemory<byte>.Empty);
        var ex = await Assert.ThrowsAsync<ChannelOpenException>(() => pair.Client.OpenSessionAsync());
        Assert.Contains("no more sessions", ex.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownRequestGetsFailureNotSilence()
    {
        await using var pair = await ConnectionPair.StartAsync();
        TestSessionServer.Attach(pair.Server);
        var channel = await pair.Client.OpenSessionAsync();
        Assert.False(await channel.SendRequestAsync("x11-req", true, ReadOnlyMemory<byte>.Empty).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await channel.SendRequestAsync(SessionRequests.Exec, true, SessionRequests.EncodeExec("echo")));
    }
}

public class CloseOrderTests
{
    /// <summary>
    /// A relay's local side waits for the far side before answering a client's CLOSE, so an
    /// exit-status sent after EOF still reaches a client that closed on EOF (as PuTTY does).
    /// </summary>
    [Fact]
    public async Task ExitStatusSentAfterThePeersCloseStillArrivesWhenCloseIsNotAnsweredAtOnce()
    {
        await using var pair = await ConnectionPair.StartAsync();
        pair.Server.AnswerCloseAtOnce = false;
        var serverSawClose = new TaskCompletionSource();
        pair.Server.ChannelOpenHandler = (_, _) => Task.FromResult(ChannelOpenDecision.Accept(async channel =>
        {
            while ((await channel.ReadEventAsync()).Kind != ChannelEventKind.Closed)
            {
            }

            serverSawClose.SetResult();
            await channel.SendRequestAsync(SessionRequests.ExitStatus, false, SessionRequests.EncodeExitStatus(44));
            await channel.CloseAsync();
        }));
        var client = await pair.Client.OpenSessionAsync();
        await client.SendEofAsync();
        await client.CloseAsync();
        await serverSawClose.Task.WaitAsync(TimeSpan.FromSeconds(10));
        uint? status = null;
        while (true)
        {
            var e = await client.ReadEventAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            if (e.Kind == ChannelEventKind.Request && e.RequestType == SessionRequests.ExitStatus)
            {
                status = SessionRequests.DecodeExitStatus(e.RequestData);
            }

            if (e.Kind == ChannelEventKind.Closed)
            {
                break;
            }
        }

        Assert.Equal(44u, status);
        await Wait.UntilAsync(() => pair.Client.ChannelCount == 0 && pair.Server.ChannelCount == 0);
    }
}
