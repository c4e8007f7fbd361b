using System.Text;

namespace SshMux.Control;

/// <summary>One control connection's stream, with a reader bounded by the line limit and serialised line writes.</summary>
internal sealed class ControlConnection(Stream stream, int maxLineBytes) : IAsyncDisposable
{
    private readonly SemaphoreSlim _writing = new(1, 1);

    public ControlLineReader Reader { get; } = new(stream, maxLineBytes);

    /// <summary>Reads a line within <paramref name="timeout"/> (infinite for none); throws <see cref="TimeoutException"/> when it does not come.</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await Reader.ReadLineAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no complete line within {timeout.TotalSeconds:0.###} s");
        }
    }

    public Task WriteLineAsync(string line, CancellationToken cancellationToken) => WriteLineAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);

    /// <summary>Writes bytes that already end in a newline (a line with secrets the caller zeroes afterwards).</summary>
    public async Task WriteLineAsync(ReadOnlyMemory<byte> line, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>
    /// Reads and discards what the peer still sends, for a moment, before a close: closing a
    /// socket with unread data resets the connection, and the peer would lose the error reply.
    /// </summary>
    public async Task DrainAsync(TimeSpan time, int maxBytes)
    {
        using var deadline = new CancellationTokenSource(time);
        var scratch = new byte[4096];
        try
        {
            for (var total = 0; total < maxBytes;)
            {
                var read = await stream.ReadAsync(scratch, deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                total += read;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Closed or slow: close now either way.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Reader.Clear();
        await stream.DisposeAsync().ConfigureAwait(false);
        _writing.Dispose();
    }
}
