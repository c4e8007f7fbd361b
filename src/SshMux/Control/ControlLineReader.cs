using System.Security.Cryptography;

namespace SshMux.Control;

/// <summary>A line longer than the limit: the connection is answered with an error and closed.</summary>
internal sealed class ControlLineTooLongException(int limit)
    : ControlException($"line longer than {limit} bytes")
{
    public int Limit { get; } = limit;
}

/// <summary>
/// Reads LF-terminated lines (a CR before the LF is dropped) into one fixed buffer, so a peer
/// that never sends a newline costs at most the limit in memory. A line is valid only until
/// the next read; the buffer is zeroed as lines are consumed, since answer lines carry secrets.
/// </summary>
internal sealed class ControlLineReader(Stream stream, int maxLineBytes)
{
    private readonly byte[] _buffer = new byte[maxLineBytes + 1];
    private int _start;
    private int _end;
    private int _consumed;

    public int MaxLineBytes => maxLineBytes;

    /// <summary>The next line without its terminator, or null at end of stream (a partial last line is dropped).</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken cancellationToken)
    {
        // Forget the previous line now that its caller is done with it.
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(_consumed, _start - _consumed));
        _consumed = _start;
        var searched = _start;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', searched, _end - searched);
            if (newline >= 0)
            {
                var line = _buffer.AsMemory(_start, newline - _start);
                _start = newline + 1;
                if (line.Length > 0 && line.Span[^1] == '\r')
                {
                    line = line[..^1];
                }

                if (line.Length > maxLineBytes)
                {
                    throw new ControlLineTooLongException(maxLineBytes);
                }

                return line;
            }

            searched = _end;
            if (_end == _buffer.Length)
            {
                if (_start == 0)
                {
                    throw new ControlLineTooLongException(maxLineBytes);
                }

                // Move the partial line to the front and zero what it leaves behind.
                var length = _end - _start;
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, length);
                CryptographicOperations.ZeroMemory(_buffer.AsSpan(length));
                searched -= _start;
                (_start, _end, _consumed) = (0, length, 0);
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                CryptographicOperations.ZeroMemory(_buffer);
                return null;
            }

            _end += read;
        }
    }

    /// <summary>Zeroes everything still buffered.</summary>
    public void Clear() => CryptographicOperations.ZeroMemory(_buffer);
}
