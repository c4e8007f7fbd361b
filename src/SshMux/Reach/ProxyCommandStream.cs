using System.Diagnostics;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using SshMux.Ssh;

namespace SshMux.Reach;

/// <summary>A ProxyCommand that failed: its exit status and the end of its stderr are in the message.</summary>
internal sealed class ProxyCommandException(string message) : IOException(message);

/// <summary>
/// A ProxyCommand (ssh_config ProxyCommand) as the stream of one hop: its stdin and stdout
/// carry the SSH connection. Seed 002's failure is a proxy command that dies and leaves only
/// "Premature close"; here, when the command exits or closes its output, the next read or write
/// fails at once with what the command said: its exit status and the last 2 KiB of its
/// stderr, and whether the server had sent anything yet. The process (and its children) is
/// killed when the stream is disposed, which the transport does when the connection ends.
/// </summary>
internal sealed class ProxyCommandStream : DuplexStream
{
    /// <summary>How much of the command's stderr is kept for the error message.</summary>
    public const int StderrTailBytes = 2048;

    /// <summary>How long a failure waits for the exit status (a command that closed its output may still be exiting).</summary>
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(2);

    /// <summary>Bytes still in the pipes when the command exits are read for this long before the exit is reported.</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromMilliseconds(200);

    private readonly Process _process;
    private readonly string _command;
    private readonly Stream _stdin;
    private readonly Stream _stdout;
    private readonly byte[] _stderrTail = new byte[StderrTailBytes];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stderrPump;
    private int _stderrLength;
    private long _received;
    private int _disposed;

    private ProxyCommandStream(Process process, string command)
    {
        _process = process;
        _command = command;
        _stdin = process.StandardInput.BaseStream;
        _stdout = process.StandardOutput.BaseStream;
        _stderrPump = PumpStderrAsync(process.StandardError.BaseStream);
    }

    /// <summary>Starts the command through the shell; a command that cannot start raises <see cref="ProxyCommandException"/>.</summary>
    public static ProxyCommandStream Start(string command, PlatformShell shell)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var process = new Process { StartInfo = shell.StartInfo(command), EnableRaisingEvents = true };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            throw new ProxyCommandException($"Cannot run ProxyCommand \"{command}\" with {shell.FileName}: {e.Message}");
        }

        var stream = new ProxyCommandStream(process, command);
        process.Exited += (_, _) => stream._exited.TrySetResult();
        if (process.HasExited)
        {
            stream._exited.TrySetResult();
        }

        return stream;
    }

    public int ProcessId => _process.Id;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n;
        try
        {
            // Raced against the exit: a command that dies while a child of its own keeps stdout
            // open would otherwise leave the read waiting forever. The race costs a task per
            // read, small beside the pipe and process hop every byte of this path takes anyway.
            var read = _stdout.ReadAsync(buffer, cancellationToken).AsTask();
            if (!read.IsCompleted && await Task.WhenAny(read, _exited.Task).ConfigureAwait(false) != read)
            {
                // The command is gone; what it wrote before exiting may still be in the pipe.
                await Task.WhenAny(read, Task.Delay(DrainGrace, cancellationToken)).ConfigureAwait(false);
                if (!read.IsCompleted)
                {
                    throw await FailureAsync("exited").ConfigureAwait(false);
                }
            }

            n = await read.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException and not ProxyCommandException || e is ObjectDisposedException)
        {
            throw await FailureAsync("failed: " + e.Message).ConfigureAwait(false);
        }

        if (n == 0)
        {
            throw await FailureAsync("closed its output").ConfigureAwait(false);
        }

        Interlocked.Add(ref _received, n);
        return n;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await _stdin.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            await _stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException and not ProxyCommandException || e is ObjectDisposedException)
        {
            // A command that exits at once breaks the pipe before the server could send anything.
            throw await FailureAsync("stopped reading its input").ConfigureAwait(false);
        }
    }

    /// <summary>What went wrong, once the command has exited (or has had time to) and its stderr is read.</summary>
    private async Task<ProxyCommandException> FailureAsync(string what)
    {
        // Its stderr ends with it, unless a child of its own still holds it: then what was read so far must do.
        await Task.WhenAny(_exited.Task, Task.Delay(ExitGrace)).ConfigureAwait(false);
        await Task.WhenAny(_stderrPump, Task.Delay(DrainGrace)).ConfigureAwait(false);
        var message = new StringBuilder("ProxyCommand \"").Append(VersionExchangePrintable(_command)).Append('"');
        if (_exited.Task.IsCompleted && TryExitCode() is { } code)
        {
            message.Append(CultureInfo.InvariantCulture, $" exited with status {code}");
        }
        else
        {
            message.Append(' ').Append(what);
        }

        message.Append(Interlocked.Read(ref _received) == 0 ? " before the server's identification string" : " during the connection");
        var stderr = StderrTail();
        message.Append(stderr.Length == 0 ? " (it wrote nothing to stderr)" : ": " + stderr);
        return new ProxyCommandException(message.ToString());
    }

    private int? TryExitCode()
    {
        try
        {
            return _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The kept end of stderr as text: control characters shown as '?', trimmed.</summary>
    public string StderrTail()
    {
        string text;
        lock (_stderrTail)
        {
            text = Encoding.UTF8.GetString(_stderrTail, 0, _stderrLength);
        }

        return VersionExchangePrintable(text.Trim().Replace("\r\n", " | ", StringComparison.Ordinal).Replace('\n', '|'));
    }

    private static string VersionExchangePrintable(string text) =>
        string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c == '|' || !char.IsControl(c) ? c : '?';
            }
        });

    private async Task PumpStderrAsync(Stream stderr)
    {
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                var n = await stderr.ReadAsync(buffer).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }

                Keep(buffer.AsSpan(0, n));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Appends to the tail, dropping the oldest bytes beyond <see cref="StderrTailBytes"/>.</summary>
    private void Keep(ReadOnlySpan<byte> data)
    {
        lock (_stderrTail)
        {
            if (data.Length >= StderrTailBytes)
            {
                data[^StderrTailBytes..].CopyTo(_stderrTail);
                _stderrLength = StderrTailBytes;
                return;
            }

            var overflow = _stderrLength + data.Length - StderrTailBytes;
            if (overflow > 0)
            {
                _stderrTail.AsSpan(overflow, _stderrLength - overflow).CopyTo(_stderrTail);
                _stderrLength -= overflow;
            }

            data.CopyTo(_stderrTail.AsSpan(_stderrLength));
            _stderrLength += data.Length;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                if (!_process.HasExited)
                {
                    // ssh -W and similar spawn helpers of their own: end them all.
                    _process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
            {
                // It exited meanwhile.
            }

            _stdin.Dispose();
            _stdout.Dispose();
            _process.Dispose();
        }

        base.Dispose(disposing);
    }
}
