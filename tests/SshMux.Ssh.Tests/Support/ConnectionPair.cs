using SshMux.Ssh.Connection;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Tests.Support;

/// <summary>
/// Client and server connection services over an in-memory transport pair, marked as
/// authenticated (authentication is tested on its own).
/// </summary>
public sealed class ConnectionPair : IAsyncDisposable
{
    private readonly TransportPair _transports;

    private ConnectionPair(TransportPair transports)
    {
        _transports = transports;
        var clientRouter = new SshServiceRouter(transports.Client);
        var serverRouter = new SshServiceRouter(transports.Server);
        clientRouter.MarkAuthenticated();
        serverRouter.MarkAuthenticated();
        Client = new SshConnectionService(clientRouter);
        Server = new SshConnectionService(serverRouter);
    }

    public SshConnectionService Client { get; }

    public SshConnectionService Server { get; }

    public TransportPair Transports => _transports;

    public static async Task<ConnectionPair> StartAsync(SshClientOptions? client = null, SshServerOptions? server = null)
    {
        var transports = await TransportPair.StartAsync(client, server);
        await transports.Client.RequestServiceAsync("ssh-userauth");
        return new ConnectionPair(transports);
    }

    public ValueTask DisposeAsync() => _transports.DisposeAsync();
}

/// <summary>A tiny session server for tests: "echo" copies stdin to stdout, "stderr" to stderr, "exit N" exits with N.</summary>
public static class TestSessionServer
{
    public static void Attach(SshConnectionService server) =>
        server.ChannelOpenHandler = (open, _) => Task.FromResult(open.ChannelType == "session"
            ? ChannelOpenDecision.Accept(RunAsync)
            : ChannelOpenDecision.Reject(ChannelOpenFailureReason.UnknownChannelType, $"unknown channel type {open.ChannelType}"));

    private static async Task RunAsync(SshChannel channel)
    {
        string? command = null;
        while (true)
        {
            var e = await channel.ReadEventAsync();
            switch (e.Kind)
            {
                case ChannelEventKind.Request when e.RequestType == SessionRequests.Exec && command is null:
                    command = SessionRequests.DecodeString(e.RequestData, "command");
                    if (e.WantReply)
                    {
                        await channel.ReplyAsync(true);
                    }

                    if (command.StartsWith("exit ", StringComparison.Ordinal))
                    {
                        await channel.SendDataAsync("bye\n"u8.ToArray(), 1);
                        await FinishAsync(channel, uint.Parse(command[5..], System.Globalization.CultureInfo.InvariantCulture));
                        return;
                    }

                    break;
                case ChannelEventKind.Request:
                    if (e.WantReply)
                    {
                        await channel.ReplyAsync(false);
                    }

                    break;
                case ChannelEventKind.Data:
                    await channel.SendDataAsync(e.Data, command == "stderr" ? 1u : null);
                    channel.Release(e);
                    break;
                case ChannelEventKind.ExtendedData:
                    channel.Release(e);
                    break;
                case ChannelEventKind.Eof:
                    await FinishAsync(channel, 0);
                    return;
                case ChannelEventKind.Closed:
                    return;
            }
        }
    }

    private static async Task FinishAsync(SshChannel channel, uint status)
    {
        await channel.SendRequestAsync(SessionRequests.ExitStatus, false, SessionRequests.EncodeExitStatus(status));
        await channel.SendEofAsync();
        await channel.CloseAsync();
    }
}

/// <summary>Client side of an exec: collects stdout, stderr and the exit status until the channel closes.</summary>
public static class TestExec
{
    public static async Task<(byte[] Stdout, byte[] Stderr, uint? ExitStatus)> RunAsync(SshConnectionService client, string command, byte[] stdin, int readDelayMs = 0)
    {
        var channel = await client.OpenSessionAsync();
        Assert.True(await channel.SendRequestAsync(SessionRequests.Exec, true, SessionRequests.EncodeExec(command)));
        var writer = Task.Run(async () =>
        {
            for (var offset = 0; offset < stdin.Length; offset += 50000)
            {
                await channel.SendDataAsync(stdin.AsMemory(offset, Math.Min(50000, stdin.Length - offset)));
            }

            await channel.SendEofAsync();
        });
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        uint? status = null;
        while (true)
        {
            var e = await channel.ReadEventAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            if (readDelayMs > 0)
            {
                await Task.Delay(readDelayMs);
            }

            switch (e.Kind)
            {
                case ChannelEventKind.Data:
                    stdout.Write(e.Data.Span);
                    channel.Release(e);
                    break;
                case ChannelEventKind.ExtendedData:
                    stderr.Write(e.Data.Span);
                    channel.Release(e);
                    break;
                case ChannelEventKind.Request when e.RequestType == SessionRequests.ExitStatus:
                    status = SessionRequests.DecodeExitStatus(e.RequestData);
                    break;
                case ChannelEventKind.Closed:
                    await writer.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
                    return (stdout.ToArray(), stderr.ToArray(), status);
            }
        }
    }
}
