using System.Diagnostics;
using System.Text;

namespace SshMux.Interop.Tests.Harness;

/// <summary>What a piped program printed, byte for byte, and how it ended.</summary>
public sealed record PipedResult(int ExitCode, byte[] Stdout, byte[] Stderr)
{
    public string StdoutText => Encoding.UTF8.GetString(Stdout);

    public string StderrText => Encoding.UTF8.GetString(Stderr);

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Shorten(StdoutText)}\n--- stderr ---\n{Shorten(StderrText)}";

    private static string Shorten(string text) => text.Length <= 4000 ? text : text[..2000] + "\n[...]\n" + text[^2000..];
}

/// <summary>
/// A program whose stdin, stdout and stderr are byte streams (PeerProcess reads lines of
/// text, which cannot carry binary data or show exact bytes). Stderr is always collected in
/// the background so the program never blocks on it; stdout is the caller's to read, either
/// as it comes (<see cref="Stdout"/>) or all at once (<see cref="RunAsync"/>). Disposal kills
/// the program and its children.
/// </summary>
public sealed class PipedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly MemoryStream _stderr = new();
    private readonly Task _stderrPump;
    private int _disposed;

    private PipedProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        _stderrPump = Task.Run(PumpStderrAsync);
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string CommandLine => _process.StartInfo.FileName + " " + string.Join(' ', _process.StartInfo.ArgumentList);

    /// <summary>The program's stdin; close it to send end of file.</summary>
    public Stream Stdin => _process.StandardInput.BaseStream;

    public Stream Stdout => _process.StandardOutput.BaseStream;

    /// <summary>What the program wrote to stderr so far.</summary>
    public byte[] Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToArray();
            }
        }
    }

    public string StderrText => Encoding.UTF8.GetString(Stderr);

    /// <summary>
    /// Starts a program. <paramref name="environment"/> adds variables, or removes those whose
    /// value is null.
    /// </summary>
    public static PipedProcess Start(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info };
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}");
        }

        return new PipedProcess(name, process);
    }

    /// <summary>
    /// Runs a program to the end: copies <paramref name="stdin"/> (or nothing) into it, then
    /// closes its stdin, and collects stdout. Kills it and fails after the timeout.
    /// </summary>
    public static async Task<PipedResult> RunAsync(string name, string fileName, IEnumerable<string> arguments, Stream? stdin, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null)
    {
        await using var process = Start(name, fileName, arguments, environment);
        using var stdout = new MemoryStream();
        using var cts = new CancellationTokenSource(timeout);
        var feed = process.FeedAsync(stdin, cts.Token);
        var collect = process.Stdout.CopyToAsync(stdout, cts.Token);
        var code = await process.WaitForExitAsync(timeout).ConfigureAwait(false);
        try
        {
            await Task.WhenAll(feed, collect).WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{name} exited but its output did not end within {timeout.TotalSeconds:0.#} s.\n{process.CommandLine}\n{process.StderrText}");
        }

        return new PipedResult(code, stdout.ToArray(), process.Stderr);
    }

    /// <summary>Copies the source into stdin, then closes stdin. A program that exits without reading it all is not an error.</summary>
    public async Task FeedAsync(Stream? source, CancellationToken cancellationToken)
    {
        try
        {
            if (source is not null)
            {
                await source.CopyToAsync(Stdin, 1 << 16, cancellationToken).ConfigureAwait(false);
            }

            Stdin.Close();
        }
        catch (IOException)
        {
            // The program closed its end (it exited, or does not read stdin).
        }
    }

    /// <summary>Waits for the program to exit and its stderr to be read; kills it and fails after the timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            await _stderrPump.WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds:0.#} s; killed.\n{CommandLine}\n--- stderr ---\n{StderrText}");
        }

        return _process.ExitCode;
    }

    private async Task PumpStderrAsync()
    {
        var buffer = new byte[8192];
        var stream = _process.StandardError.BaseStream;
        while (true)
        {
            int n;
            try
            {
                n = await stream.ReadAsync(buffer).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                return;
            }

            if (n == 0)
            {
                return;
            }

            lock (_stderr)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    return;
                }

                _stderr.Write(buffer, 0, n);
            }
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exited between the check and the kill.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Kill();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            await _stderrPump.WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Bounded: a process that survives SIGKILL is not ours to wait for.
        }

        _process.Dispose();
        lock (_stderr)
        {
            _stderr.Dispose();
        }
    }
}
