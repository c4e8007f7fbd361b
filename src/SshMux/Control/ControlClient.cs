using System.Text;

namespace SshMux.Control;

/// <summary>The command-line side of the control socket: one connection, request lines, "ok"/"error" replies.</summary>
internal sealed class ControlClient : IAsyncDisposable
{
    /// <summary>A status reply lists every pooled connection: allow far more than a request line.</summary>
    private const int MaxReplyBytes = 4 << 20;

    private readonly ControlConnection _connection;

    private ControlClient(ControlConnection connection)
    {
        _connection = connection;
    }

    public ControlConnection Connection => _connection;

    /// <summary>Connects; throws <see cref="DaemonNotRunningException"/> when no daemon answers, <see cref="ControlException"/> when the socket is unsafe.</summary>
    public static async Task<ControlClient> ConnectAsync(IControlEndpoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var stream = await endpoint.ConnectAsync(cancellationToken).ConfigureAwait(false);
        return new ControlClient(new ControlConnection(stream, MaxReplyBytes));
    }

    /// <summary>Sends one request and returns what follows "ok "; throws <see cref="ControlException"/> with the daemon's error.</summary>
    public async Task<string> RequestAsync(string request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _connection.WriteLineAsync(request, cancellationToken).ConfigureAwait(false);
        var line = await _connection.ReadLineAsync(timeout, cancellationToken).ConfigureAwait(false)
            ?? throw new ControlException("The daemon closed the control connection without answering");
        var reply = Encoding.UTF8.GetString(line.Span);
        if (reply.StartsWith("ok", StringComparison.Ordinal))
        {
            return reply.Length > 2 ? reply[3..] : string.Empty;
        }

        throw new ControlException(reply.StartsWith("error ", StringComparison.Ordinal) ? "the daemon says: " + reply[6..] : "unexpected reply from the daemon: " + Prompts.PromptText.Line(reply, 200));
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
