using System.Diagnostics;
using System.Text;
using SshMux.Interop.Tests.Harness;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>How a client program ended: its exit code and its stdout and stderr, each byte for byte.</summary>
public sealed record CapturedResult(string Name, int ExitCode, byte[] Stdout, byte[] Stderr)
{
    public string StdoutText => Encoding.UTF8.GetString(Stdout);

    public string StderrText => Encoding.UTF8.GetString(Stderr);

    public override string ToString() =>
        $"{Name}: exit {ExitCode}\n--- stdout ---\n{Shorten(StdoutText)}\n--- stderr ---\n{Shorten(StderrText)}";

    private static string Shorten(string text) => text.Length <= 4000 ? text : text[..2000] + "\n[...]\n" + text[^2000..];
}

/// <summary>
/// Runs a client program to its end with stdout and stderr read apart (PeerProcess merges
/// them into lines, which cannot show that a peer kept stderr off stdout). Stdin gets the
/// given bytes, or is closed at once. The run is bounded: past the timeout the program and
/// its children are killed and the test fails with what it printed. Every result is noted
/// in the run's log, shown when the test fails.
/// </summary>
public static class CapturedProcess
{
    public static async Task<CapturedResult> RunAsync(
        InteropRun run,
        string name,
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null,
        byte[]? stdin = null,
        string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
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

        var commandLine = fileName + " " + string.Join(' ', info.ArgumentList);
        run.Note($"{name}: starting {commandLine}");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + fileName);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var readers = Task.WhenAll(
            process.StandardOutput.BaseStream.CopyToAsync(stdout),
            process.StandardError.BaseStream.CopyToAsync(stderr));
        var writer = WriteStdinAsync(process, stdin);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);

            // A child that inherited the pipes may keep them open; give the output a moment.
            await readers.WaitAsync(TimeSpan.FromSeconds(10), cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            Kill(process);
            await Task.WhenAny(readers, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
            var partial = new CapturedResult(name, -1, Snapshot(stdout), Snapshot(stderr));
            run.Note(partial.ToString());
            throw new TimeoutException($"{name} did not finish within {timeout.TotalSeconds:0} s; killed. {commandLine}\n{partial}", e);
        }

        await Task.WhenAny(writer, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        var result = new CapturedResult(name, process.ExitCode, Snapshot(stdout), Snapshot(stderr));
        run.Note(result.ToString());
        return result;
    }

    private static async Task WriteStdinAsync(Process process, byte[]? stdin)
    {
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.BaseStream.WriteAsync(stdin).ConfigureAwait(false);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program left without reading all of its input: its exit code says what happened.
        }
    }

    // Called once the copies have ended, or after the kill and a bounded wait for them.
    private static byte[] Snapshot(MemoryStream stream) => stream.ToArray();

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }
}
