using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using SshMux.Control;

namespace SshMux.Prompts;

/// <summary>Where `ssh-mux prompt` reads answers: the terminal, keystroke by keystroke, or standard input line by line.</summary>
internal interface IAnswerInput
{
    /// <summary>One answer as UTF-8 (the caller zeroes it), or null when cancelled or input ended.</summary>
    Task<byte[]?> ReadAsync(bool echo, CancellationToken cancellationToken);

    /// <summary>True once standard input has ended (line mode).</summary>
    bool Ended { get; }

    /// <summary>Completes when standard input ends (never for a terminal, where Ctrl-C ends the program).</summary>
    Task EndOfInput { get; }
}

/// <summary>
/// Answers from a terminal: read with the console's echo off, so a secret never appears; an
/// echoed answer is written back as typed. Escape cancels the prompt. Keys are polled so that
/// a prompt the daemon cancels (timeout) stops waiting at once.
/// </summary>
internal sealed class TerminalAnswerInput : IAnswerInput
{
    public bool Ended => false;

    public Task EndOfInput { get; } = new TaskCompletionSource().Task;

    public async Task<byte[]?> ReadAsync(bool echo, CancellationToken cancellationToken)
    {
        var chars = new char[256];
        var length = 0;
        try
        {
            while (true)
            {
                while (!Console.KeyAvailable)
                {
                    await Task.Delay(30, cancellationToken).ConfigureAwait(false);
                }

                var key = Console.ReadKey(intercept: true);
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        Console.Out.WriteLine();
                        return Encoding.UTF8.GetBytes(chars, 0, length);
                    case ConsoleKey.Escape:
                        Console.Out.WriteLine();
                        return null;
                    case ConsoleKey.Backspace:
                        if (length > 0)
                        {
                            chars[--length] = '\0';
                            if (echo)
                            {
                                Console.Out.Write("\b \b");
                            }
                        }

                        continue;
                }

                if (char.IsControl(key.KeyChar) || key.KeyChar == '\0')
                {
                    continue;
                }

                if (length == chars.Length)
                {
                    var larger = new char[chars.Length * 2];
                    chars.AsSpan().CopyTo(larger);
                    Array.Clear(chars);
                    chars = larger;
                }

                chars[length++] = key.KeyChar;
                if (echo)
                {
                    Console.Out.Write(key.KeyChar);
                }
            }
        }
        finally
        {
            Array.Clear(chars);
        }
    }
}

/// <summary>
/// Answers from standard input when it is not a terminal (scripts, tests): one line per field,
/// read in the background so that a cancelled prompt does not leave a read pending.
/// </summary>
internal sealed class LineAnswerInput : IAnswerInput
{
    private readonly Channel<byte[]?> _lines = Channel.CreateBounded<byte[]?>(16);
    private readonly TaskCompletionSource _endOfInput = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _ended;

    public LineAnswerInput(Stream input)
    {
        _ = Task.Run(() => PumpAsync(input));
    }

    public bool Ended => _ended;

    public Task EndOfInput => _endOfInput.Task;

    public async Task<byte[]?> ReadAsync(bool echo, CancellationToken cancellationToken)
    {
        try
        {
            var line = await _lines.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                _ended = true;
            }

            return line;
        }
        catch (ChannelClosedException)
        {
            _ended = true;
            return null;
        }
    }

    private async Task PumpAsync(Stream input)
    {
        var reader = new ControlLineReader(input, 8192);
        try
        {
            while (await reader.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                await _lines.Writer.WriteAsync(line.ToArray()).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ControlException or ObjectDisposedException)
        {
            // Input ended badly: treated as its end.
        }
        finally
        {
            reader.Clear();
            await _lines.Writer.WriteAsync(null).ConfigureAwait(false);
            _lines.Writer.TryComplete();
            _endOfInput.TrySetResult();
        }
    }
}
