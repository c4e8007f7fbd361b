using System.Text;
using SshMux.Pool;
using SshMux.Prompts;
using SshMux.Ssh.Transport;

namespace SshMux.Control;

/// <summary>Settings of <see cref="ControlServer"/>.</summary>
internal sealed class ControlServerOptions
{
    /// <summary>Longest request line; a longer one is answered with an error and the connection closed.</summary>
    public int MaxLineBytes { get; set; } = 8192;

    /// <summary>How long a connection may take to send a request line (attached prompt terminals wait for prompts without limit).</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public SshLog? Log { get; set; }
}

/// <summary>
/// The daemon's side of the control socket (docs/control-protocol.md): status, stop, lock,
/// unlock, and prompt-attach, which turns the connection into a prompt front end. Each
/// connection is served on its own; one misbehaving client (a line without end, silence)
/// loses its own connection and nothing else.
/// </summary>
internal sealed class ControlServer(IControlListener listener, IPoolControl pool, PromptBroker broker, Action requestStop, ControlServerOptions? options = null)
{
    private readonly ControlServerOptions _options = options ?? new ControlServerOptions();
    private int _connections;

    /// <summary>Accepts connections until cancelled; waits for the connections it started.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var running = new List<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            Stream stream;
            try
            {
                stream = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                Log(SshLogLevel.Warning, "Control socket accept failed: " + e.Message);
                continue;
            }

            running.RemoveAll(t => t.IsCompleted);
            running.Add(Task.Run(() => ServeAsync(stream, cancellationToken), CancellationToken.None));
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task ServeAsync(Stream stream, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref _connections);
        var connection = new ControlConnection(stream, _options.MaxLineBytes);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                while (true)
                {
                    var line = await connection.ReadLineAsync(_options.ReadTimeout, cancellationToken).ConfigureAwait(false);
                    if (line is null)
                    {
                        return;
                    }

                    var request = Encoding.UTF8.GetString(line.Value.Span).Trim();
                    if (request == ControlProtocol.PromptAttach)
                    {
                        await ServePromptsAsync(connection, number, cancellationToken).ConfigureAwait(false);
                        return;
                    }

                    var (reply, stop) = Handle(request);
                    await connection.WriteLineAsync(reply, cancellationToken).ConfigureAwait(false);
                    if (stop)
                    {
                        Log(SshLogLevel.Info, "Stopping: asked to on the control socket");
                        requestStop();
                        return;
                    }
                }
            }
            catch (ControlLineTooLongException e)
            {
                Log(SshLogLevel.Warning, $"Control connection {number}: {e.Message}; closing it");
                await TryReplyAsync(connection, ControlProtocol.Error(e.Message + "; closing the connection")).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                Log(SshLogLevel.Info, $"Control connection {number}: {e.Message}; closing it");
                await TryReplyAsync(connection, ControlProtocol.Error(e.Message + "; closing the connection")).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                Log(SshLogLevel.Debug, $"Control connection {number} ended: {e.Message}");
            }
        }
    }

    private (string Reply, bool Stop) Handle(string request)
    {
        switch (request)
        {
            case ControlProtocol.Status:
                return (ControlProtocol.Ok(ControlProtocol.StatusJson(pool.IsLocked, pool.Snapshot())), false);
            case ControlProtocol.Stop:
                return (ControlProtocol.Ok("stopping"), true);
            case ControlProtocol.Lock:
                pool.Lock();
                Log(SshLogLevel.Info, "Pool locked: new sessions are refused, existing ones keep working");
                return (ControlProtocol.Ok("locked"), false);
            case ControlProtocol.Unlock:
                pool.Unlock();
                Log(SshLogLevel.Info, "Pool unlocked");
                return (ControlProtocol.Ok("unlocked"), false);
            default:
                return (ControlProtocol.Error($"unknown request \"{PromptText.Line(request, 64)}\" (expected status, stop, lock, unlock or prompt-attach)"), false);
        }
    }

    /// <summary>prompt-attach: the connection is a front end until it closes; its lines are answers.</summary>
    private async Task ServePromptsAsync(ControlConnection connection, int number, CancellationToken cancellationToken)
    {
        var frontEnd = new RemotePromptFrontEnd(connection, $"ssh-mux prompt (control connection {number})");
        using (broker.Register(frontEnd))
        {
            try
            {
                await connection.WriteLineAsync(ControlProtocol.Ok("attached"), cancellationToken).ConfigureAwait(false);
                frontEnd.MarkAttached();
                while (true)
                {
                    var line = await connection.ReadLineAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
                    if (line is null)
                    {
                        return;
                    }

                    if (frontEnd.HandleLine(line.Value.Span) is { } error)
                    {
                        await connection.WriteLineAsync(ControlProtocol.Error(error), cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                frontEnd.Close();
            }
        }
    }

    private static async Task TryReplyAsync(ControlConnection connection, string line)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await connection.WriteLineAsync(line, timeout.Token).ConfigureAwait(false);
            await connection.DrainAsync(TimeSpan.FromSeconds(1), 1 << 20).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is gone already.
        }
    }

    private void Log(SshLogLevel level, string message) => _options.Log?.Invoke(level, message);
}
