using System.Text;
using SshMux.Interop.Tests.Harness;

namespace SshMux.Tests.Gateway;

/// <summary>
/// `ssh-mux prompt` as a child process whose stdin is a pipe (not a terminal), so it reads
/// one answer per line: the test waits for a prompt in its output and writes the answer.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class PromptTerminal : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly PipedProcess _process;
    private readonly StringBuilder _output = new();
    private readonly Task _reading;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PromptTerminal(PipedProcess process)
    {
        _process = process;
        _reading = Task.Run(ReadAsync);
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<PromptTerminal> StartAsync(GatewayHome home)
    {
        var process = PipedProcess.Start("ssh-mux prompt", DaemonInstance.DotnetHost, [ServeInstance.DllPath, "prompt"], home.Environment);
        var terminal = new PromptTerminal(process);
        try
        {
            await terminal.WaitForAsync("waiting for prompts");
            return terminal;
        }
        catch
        {
            await terminal.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the output holds <paramref name="text"/>; fails with the output and stderr otherwise.</summary>
    public Task WaitForAsync(string text) => WaitUntilCountAsync(text, 1);

    /// <summary>Waits until <paramref name="text"/> has been shown <paramref name="count"/> times.</summary>
    public async Task WaitUntilCountAsync(string text, int count)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            Task changed;
            lock (_output)
            {
                if (Occurrences(_output.ToString(), text) >= count)
                {
                    return;
                }

                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || _reading.IsCompleted)
            {
                Assert.Fail($"ssh-mux prompt did not show \"{text}\" {count} time(s).\n--- stdout ---\n{Output}\n--- stderr ---\n{_process.StderrText}");
            }

            await Task.WhenAny(changed, _reading, Task.Delay(left));
        }
    }

    private static int Occurrences(string haystack, string needle)
    {
        var count = 0;
        for (var at = haystack.IndexOf(needle, StringComparison.Ordinal); at >= 0; at = haystack.IndexOf(needle, at + needle.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Sends one answer line, as a person typing it.</summary>
    public async Task AnswerAsync(string line)
    {
        await _process.Stdin.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
        await _process.Stdin.FlushAsync();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[4096];
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[4096];
        while (true)
        {
            int n;
            try
            {
                n = await _process.Stdout.ReadAsync(buffer);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                n = 0;
            }

            TaskCompletionSource changed;
            lock (_output)
            {
                var count = decoder.GetChars(buffer, 0, n, chars, 0, flush: n == 0);
                _output.Append(chars, 0, count);
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.TrySetResult();
            if (n == 0)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        await _reading;
    }
}
