using SshMux.Ssh.Connection;
using SshMux.Ssh.Tests.Support;

namespace SshMux.Ssh.Tests.Connection;

/// <summary>
/// A channel open the caller gave up on (a connect timeout through a jump host) may still be
/// answered by the peer much later. That late answer must cost the one channel, never the
/// whole connection with every other channel on it.
/// </summary>
public class LateOpenReplyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>The server accepts "session" at once; "slow" waits for <paramref name="answer"/>, which says accept or refuse.</summary>
    private static void Serve(ConnectionPair pair, Task<bool> answer, TaskCompletionSource<SshChannel> slowServerChannel)
    {
        pair.Server.ChannelOpenHandler = async (open, _) =>
        {
            if (open.ChannelType != "slow")
            {
                return ChannelOpenDecision.Accept(EchoAsync);
            }

            if (!await answer.ConfigureAwait(false))
            {
                return ChannelOpenDecision.Reject(ChannelOpenFailureReason.ConnectFailed, "too late");
            }

            return ChannelOpenDecision.Accept(channel =>
            {
                slowServerChannel.TrySetResult(channel);
                return Task.CompletedTask;
            });
        };
    }

    private static async Task EchoAsync(SshChannel channel)
    {
        while (true)
        {
            var e = await channel.ReadEventAsync();
            if (e.Kind == ChannelEventKind.Closed)
            {
                return;
            }

            if (e.Kind == ChannelEventKind.Data)
            {
                var copy = e.Data.ToArray();
                channel.Release(e);
                await channel.SendDataAsync(copy);
            }
        }
    }

    private static async Task AssertEchoes(SshChannel channel, byte marker)
    {
        await channel.SendDataAsync(new byte[] { marker });
        var e = await channel.ReadEventAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal(ChannelEventKind.Data, e.Kind);
        Assert.Equal(marker, e.Data.Span[0]);
        channel.Release(e);
    }

    private static async Task OpenAndCancel(ConnectionPair pair)
    {
        using var cts = new CancellationTokenSource();
        var open = pair.Client.OpenChannelAsync("slow", ReadOnlyMemory<byte>.Empty, cts.Token);
        await Task.Delay(100);
        Assert.False(open.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => open);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task ALateFailureIsDroppedAndTheOtherChannelsLive()
    {
        await using var pair = await ConnectionPair.StartAsync();
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Serve(pair, answer.Task, new TaskCompletionSource<SshChannel>());
        var other = await pair.Client.OpenSessionAsync();
        await OpenAndCancel(pair);

        // The abandoned id stays reserved: a channel opened meanwhile gets another one.
        var meanwhile = await pair.Client.OpenSessionAsync();
        Assert.Equal(3, pair.Client.ChannelCount);

        answer.SetResult(false);
        await WaitFor(() => pair.Client.ChannelCount == 2);
        Assert.False(pair.Transports.Client.IsClosed);
        await AssertEchoes(other, 1);
        await AssertEchoes(meanwhile, 2);
        await AssertEchoes(await pair.Client.OpenSessionAsync(), 3);
    }

    [Fact]
    public async Task ALateConfirmationIsAnsweredWithClose()
    {
        await using var pair = await ConnectionPair.StartAsync();
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new TaskCompletionSource<SshChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        Serve(pair, answer.Task, slow);
        var other = await pair.Client.OpenSessionAsync();
        await OpenAndCancel(pair);

        answer.SetResult(true);
        var serverSide = await slow.Task.WaitAsync(Timeout);
        var e = await serverSide.ReadEventAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal(ChannelEventKind.Closed, e.Kind);
        Assert.Null(e.Error);

        // Both sides free the channel once each has sent its CLOSE.
        await WaitFor(() => pair.Client.ChannelCount == 1 && pair.Server.ChannelCount == 1);
        Assert.False(pair.Transports.Client.IsClosed);
        Assert.False(pair.Transports.Server.IsClosed);
        await AssertEchoes(other, 4);
        await AssertEchoes(await pair.Client.OpenSessionAsync(), 5);
    }

    [Fact]
    public async Task ARelayThatAnswersClosesItselfStillFreesTheAbandonedChannel()
    {
        await using var pair = await ConnectionPair.StartAsync();
        pair.Client.AnswerCloseAtOnce = false;
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new TaskCompletionSource<SshChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        Serve(pair, answer.Task, slow);
        await OpenAndCancel(pair);
        answer.SetResult(true);
        await slow.Task.WaitAsync(Timeout);
        await WaitFor(() => pair.Client.ChannelCount == 0 && pair.Server.ChannelCount == 0);
        Assert.False(pair.Transports.Client.IsClosed);
    }
}
