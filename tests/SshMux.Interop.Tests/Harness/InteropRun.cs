using System.Collections.Concurrent;
using System.Diagnostics;
using SshMux.Ssh.Transport;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// One interop test run: a time limit for the whole test and, when it fails, everything the
/// peers printed and ssh-mux logged, written to the test output. Passing tests stay quiet.
/// </summary>
public sealed class InteropRun
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    private readonly ITestOutputHelper _output;
    private readonly ConcurrentQueue<PeerProcess> _peers = new();
    private readonly ConcurrentQueue<string> _log = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public InteropRun(ITestOutputHelper output) => _output = output;

    /// <summary>Adds a peer's output to what is shown on failure.</summary>
    public T Track<T>(T peer)
    {
        switch (peer)
        {
            case PeerProcess p:
                _peers.Enqueue(p);
                break;
            case SshdInstance s:
                _peers.Enqueue(s.Process);
                break;
            case DropbearInstance d:
                _peers.Enqueue(d.Process);
                break;
        }

        return peer;
    }

    /// <summary>A transport log that records ssh-mux's side of the conversation.</summary>
    public SshLog TransportLog(string who) =>
        (level, message) => _log.Enqueue($"[{_clock.Elapsed.TotalMilliseconds,8:0.0} ms] {who} {level}: {message}");

    public void Note(string message) => _log.Enqueue($"[{_clock.Elapsed.TotalMilliseconds,8:0.0} ms] {message}");

    /// <summary>Whether ssh-mux logged a message containing the fragment.</summary>
    public bool Logged(string fragment) => _log.Any(l => l.Contains(fragment, StringComparison.Ordinal));

    /// <summary>Runs the test body under a time limit; on failure prints the logs and rethrows.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> body, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        var limit = timeout ?? DefaultTimeout;
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await body(cts.Token).WaitAsync(limit + TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Dump(e);
            if (e is TimeoutException && cts.IsCancellationRequested)
            {
                throw new TimeoutException($"The interop test did not finish within {limit.TotalSeconds:0} s", e);
            }

            throw;
        }
    }

    private void Dump(Exception e)
    {
        _output.WriteLine($"Failed after {_clock.Elapsed.TotalSeconds:0.00} s: {e.GetType().Name}: {e.Message}");
        _output.WriteLine("--- ssh-mux log ---");
        foreach (var line in _log)
        {
            _output.WriteLine(line);
        }

        foreach (var peer in _peers)
        {
            _output.WriteLine(peer.Tail(400));
        }
    }
}
