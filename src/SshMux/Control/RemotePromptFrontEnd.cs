using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using SshMux.Prompts;

namespace SshMux.Control;

/// <summary>
/// A control connection that sent prompt-attach (an `ssh-mux prompt` terminal): prompts go out
/// as JSON lines with an id, answers come back as "answer ID BASE64..." or "cancel ID". When
/// the connection closes every outstanding prompt is cancelled.
/// </summary>
internal sealed class RemotePromptFrontEnd(ControlConnection connection, string description) : IPromptFrontEnd
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<IReadOnlyList<byte[]>?>> _pending = new();
    private readonly TaskCompletionSource _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;
    private volatile bool _closed;

    public PromptFrontEndKind Kind => PromptFrontEndKind.Terminal;

    public string Description => description;

    public string? Route => null;

    public bool IsAvailable => !_closed;

    public async Task<IReadOnlyList<byte[]>?> AskAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<IReadOnlyList<byte[]>?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        if (_closed)
        {
            _pending.TryRemove(id, out _);
            return null;
        }

        try
        {
            // The front end is registered before "ok attached" goes out, so a terminal that has
            // read that line is sure to be asked; a prompt chosen in between waits for the line.
            await _attached.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (_closed)
            {
                return null;
            }

            await connection.WriteLineAsync(ControlProtocol.PromptJson(id, request), cancellationToken).ConfigureAwait(false);
            using (cancellationToken.Register(() => answer.TrySetResult(null)))
            {
                var result = await answer.Task.ConfigureAwait(false);
                if (result is null && cancellationToken.IsCancellationRequested && !_closed)
                {
                    // Timed out or abandoned here (not by the terminal): the terminal stops asking. Best effort.
                    await TrySendAsync(ControlProtocol.CancelJson(id)).ConfigureAwait(false);
                }

                return result;
            }
        }
        catch (IOException)
        {
            return null;
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Handles one line from the terminal; returns an error to send back, or null.</summary>
    public string? HandleLine(ReadOnlySpan<byte> line)
    {
        var space = line.IndexOf((byte)' ');
        var verb = Encoding.ASCII.GetString(space < 0 ? line : line[..space]);
        var rest = space < 0 ? [] : line[(space + 1)..];
        var idEnd = rest.IndexOf((byte)' ');
        var idText = idEnd < 0 ? rest : rest[..idEnd];
        if (verb is not (ControlProtocol.Answer or ControlProtocol.Cancel)
            || !long.TryParse(Encoding.ASCII.GetString(idText), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return "expected \"answer ID BASE64...\" or \"cancel ID\"";
        }

        if (!_pending.TryGetValue(id, out var answer))
        {
            // Already timed out or cancelled here: not an error for the terminal.
            return null;
        }

        if (verb == ControlProtocol.Cancel)
        {
            answer.TrySetResult(null);
            return null;
        }

        var answers = DecodeAnswers(idEnd < 0 ? [] : rest[(idEnd + 1)..]);
        if (answers is null)
        {
            answer.TrySetResult(null);
            return "an answer is not valid base64; the prompt is cancelled";
        }

        if (!answer.TrySetResult(answers))
        {
            PromptBroker.Zero(answers);
        }

        return null;
    }

    /// <summary>Space-separated base64 answers, one per field (none for a prompt without fields).</summary>
    private static byte[][]? DecodeAnswers(ReadOnlySpan<byte> text)
    {
        var answers = new List<byte[]>();
        while (!text.IsEmpty)
        {
            var end = text.IndexOf((byte)' ');
            var token = end < 0 ? text : text[..end];
            text = end < 0 ? [] : text[(end + 1)..];
            if (token.IsEmpty)
            {
                continue;
            }

            var decoded = new byte[Base64.GetMaxDecodedFromUtf8Length(token.Length)];
            if (Base64.DecodeFromUtf8(token, decoded, out _, out var written) != System.Buffers.OperationStatus.Done)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(decoded);
                PromptBroker.Zero(answers);
                return null;
            }

            answers.Add(decoded.AsSpan(0, written).ToArray());
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(decoded);
        }

        return [.. answers];
    }

    /// <summary>"ok attached" has been sent: prompts may go out from now on.</summary>
    public void MarkAttached() => _attached.TrySetResult();

    /// <summary>The connection closed: nothing more can be asked and nothing outstanding will be answered.</summary>
    public void Close()
    {
        _closed = true;
        _attached.TrySetResult();
        foreach (var pending in _pending.Values)
        {
            pending.TrySetResult(null);
        }
    }

    private async Task TrySendAsync(string line)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await connection.WriteLineAsync(line, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The terminal went away; the prompt is cancelled either way.
        }
    }
}
