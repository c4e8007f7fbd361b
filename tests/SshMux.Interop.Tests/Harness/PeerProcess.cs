using System.Diagnostics;
using System.Text;

namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// A peer program run by a test: its stdout and stderr are captured line by line (merged, in
/// arrival order), every wait is bounded, and disposal always kills it and its children.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly object _gate = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private PeerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public string CommandLine => _process.StartInfo.FileName + " " + string.Join(' ', _process.StartInfo.ArgumentList);

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Everything the program printed so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public string Output => string.Join('\n', Lines);

    /// <summary>Starts a program with stdin closed at once, so nothing can wait for input.</summary>
    public static PeerProcess Start(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var peer = new PeerProcess(name, process);
        process.OutputDataReceived += (_, e) => peer.OnLine(e.Data, peer._stdoutClosed);
        process.ErrorDataReceived += (_, e) => peer.OnLine(e.Data, peer._stderrClosed);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    private void OnLine(string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
        }

        TaskCompletionSource changed;
        lock (_gate)
        {
            if (line is not null)
            {
                _lines.Add(line);
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>Waits for the first line that matches; fails with the output so far if it does not come in time.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(match);
        string? found = null;
        await WaitUntilAsync(lines => (found = lines.FirstOrDefault(match)) is not null, timeout, what).ConfigureAwait(false);
        return found!;
    }

    /// <summary>Waits until the output so far satisfies a condition; fails with the output if it does not in time.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition(_lines))
                {
                    return;
                }

                changed = _changed.Task;
            }

            var outputDone = _stdoutClosed.Task.IsCompleted && _stderrClosed.Task.IsCompleted;
            var left = timeout - deadline.Elapsed;
            if (outputDone || left <= TimeSpan.Zero)
            {
                var state = outputDone
                    ? $"{Name} closed its output (exit code {ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"})"
                    : $"timed out after {timeout.TotalSeconds:0.#} s";
                throw new TimeoutException($"Waiting for {what} from {Name}: {state}.\n{Tail()}");
            }

            await Task.WhenAny(changed, Task.Delay(left)).ConfigureAwait(false);
        }
    }

    /// <summary>Counts the lines that match.</summary>
    public int Count(Func<string, bool> match)
    {
        lock (_gate)
        {
            return _lines.Count(match);
        }
    }

    /// <summary>Waits for the program to exit and its output to be read; kills it and fails after the timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds:0.#} s; killed.\n{Tail()}");
        }

        return _process.ExitCode;
    }

    /// <summary>The last lines of output, for failure messages.</summary>
    public string Tail(int count = 60)
    {
        var lines = Lines;
        var shown = lines.Skip(Math.Max(0, lines.Count - count));
        return $"--- {Name}: {CommandLine} (last {Math.Min(count, lines.Count)} of {lines.Count} lines) ---\n" + string.Join('\n', shown);
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
        }
        catch (OperationCanceledException)
        {
            // Bounded: a process that survives SIGKILL is not ours to wait for.
        }

        _process.Dispose();
    }
}
