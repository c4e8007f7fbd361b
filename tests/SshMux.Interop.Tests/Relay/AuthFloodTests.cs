using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SshMux.Interop.Tests.Harness;
using SshMux.Relay;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Relay;

/// <summary>
/// Floods of unauthenticated connections against serve's local server (in process, so the
/// limits and counters are at hand): raw TCP peers that send a version string and nothing
/// more, and OpenSSH clients whose every key is refused. The MaxStartups limit caps and drops,
/// the login grace time and the attempt limit end the connections, nothing stays open
/// afterwards, and a legitimate ssh gets in. Unknown channels, window overruns and messages
/// before authentication are covered on the protocol level in SshMux.Ssh.Tests
/// (ConnectionHostileTests, ServerAuthPolicyTests).
/// </summary>
[Collection(RelayTestGroup.Name)]
public class AuthFloodTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    /// <summary>150 peers that stop after their version string, against MaxStartups 10:30:100 and a 4 s grace time.</summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task VersionOnlyFloodIsCappedDroppedAndTimedOut() => _run.RunAsync(async ct =>
    {
        var startups = new StartupLimiter();
        var grace = TimeSpan.FromSeconds(4);
        await using var relay = await InProcessRelay.StartAsync(_run, startups, grace);
        var before = await relay.SshAsync("echo before");
        Assert.True(before.ExitCode == 0 && before.StdoutText == "before\n", before.ToString());

        const int floodSize = 150;
        var clock = Stopwatch.StartNew();
        var flood = new List<Socket>();
        try
        {
            for (var i = 0; i < floodSize; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                flood.Add(socket);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, relay.Port), ct);
                try
                {
                    await socket.SendAsync("SSH-2.0-flood\r\n"u8.ToArray(), ct);
                }
                catch (SocketException)
                {
                    // Already dropped: the server closed it before the version went out.
                }
            }

            await WaitUntilAsync(() => startups.Unauthenticated + startups.Dropped >= floodSize, TimeSpan.FromSeconds(20), "every flood connection was accepted or dropped", ct);
            var held = startups.Unauthenticated;
            var dropped = startups.Dropped;
            Report($"{floodSize} flood connections in {clock.ElapsedMilliseconds} ms: {held} hold a slot, {dropped} dropped");
            Assert.InRange(held, startups.Start, startups.Full);
            Assert.True(dropped >= floodSize - startups.Full, $"only {dropped} of {floodSize} dropped with MaxStartups full at {startups.Full}");
            Assert.Equal(dropped, relay.CountLog("Dropped connection from 127.0.0.1:"));
            Assert.Contains(relay.Log, l => l.Contains("connections are not authenticated yet (MaxStartups 10:30:100)", StringComparison.Ordinal));

            // Every flood connection ends: the dropped ones at once with nothing sent, the
            // others when the grace time is up, after the server's own version string.
            var answers = await Task.WhenAll(flood.Select(s => ReadUntilClosedAsync(s, grace + TimeSpan.FromSeconds(15), ct)));
            Report($"all flood connections closed by the server {clock.ElapsedMilliseconds} ms after the first");
            Assert.True(clock.Elapsed < grace + TimeSpan.FromSeconds(15), $"the flood took {clock.Elapsed} to end with a {grace} grace time");
            var served = answers.Count(a => a.StartsWith("SSH-2.0-", StringComparison.Ordinal));
            Assert.Equal(floodSize - dropped, served);
            Assert.Equal(dropped, answers.Count(a => a.Length == 0));
        }
        finally
        {
            foreach (var socket in flood)
            {
                socket.Dispose();
            }
        }

        await WaitUntilAsync(() => startups.Unauthenticated == 0, TimeSpan.FromSeconds(10), "every slot was given back", ct);
        await WaitUntilAsync(() => ServerSockets(relay.Port) == 0, TimeSpan.FromSeconds(10), "the server closed every flood socket", ct);

        clock.Restart();
        var after = await relay.SshAsync("echo after");
        Report($"a legitimate ssh after the flood: {clock.ElapsedMilliseconds} ms");
        Assert.True(after.ExitCode == 0 && after.StdoutText == "after\n", after.ToString());
    }, TimeSpan.FromSeconds(120));

    /// <summary>
    /// Eight OpenSSH clients at a time, three rounds, each offering seven keys the server does
    /// not know: each is disconnected after the sixth refusal (MaxAuthTries), while a
    /// legitimate ssh gets in every time during the flood.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task PublicKeyFailureFloodKeepsTheServerResponsive() => _run.RunAsync(async ct =>
    {
        var startups = new StartupLimiter();
        await using var relay = await InProcessRelay.StartAsync(_run, startups, TimeSpan.FromSeconds(30));
        var wrongKeys = await Task.WhenAll(Enumerable.Range(0, 7).Select(i => UserKey.GenerateAsync(relay.Work.File($"wrong_{i.ToString(CultureInfo.InvariantCulture)}"))));
        var wrong = wrongKeys.Select(k => k.PrivateKeyPath).ToArray();

        using var flooding = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var refused = new List<PipedResult>();
        var attackers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var round = 0; round < 3; round++)
            {
                var result = await relay.SshAsync("true", wrong, "INFO");
                lock (refused)
                {
                    refused.Add(result);
                }
            }
        }, ct)).ToArray();

        var latencies = new List<long>();
        var clock = Stopwatch.StartNew();
        while (!attackers.All(a => a.IsCompleted) || latencies.Count < 3)
        {
            clock.Restart();
            var legit = await relay.SshAsync("echo legit");
            latencies.Add(clock.ElapsedMilliseconds);
            Assert.True(legit.ExitCode == 0 && legit.StdoutText == "legit\n", "a legitimate ssh during the flood: " + legit);
        }

        await Task.WhenAll(attackers);
        Report($"legitimate ssh during the flood, ms: {string.Join(", ", latencies)}");
        Assert.Equal(24, refused.Count);
        Assert.All(refused, r =>
        {
            Assert.True(r.ExitCode == 255, r.ToString());
            Assert.Contains("Too many authentication failures", r.StderrText, StringComparison.Ordinal);
        });
        Assert.Equal(24, relay.Log.Count(l => l.Contains("did not authenticate: Too many authentication failures for user", StringComparison.Ordinal)));

        await WaitUntilAsync(() => startups.Unauthenticated == 0, TimeSpan.FromSeconds(10), "every slot was given back", ct);
        await WaitUntilAsync(() => ServerSockets(relay.Port) == 0, TimeSpan.FromSeconds(10), "the server closed every connection", ct);
        Assert.Equal(0, startups.Dropped);
    }, TimeSpan.FromSeconds(180));

    /// <summary>Reads until the server closes the connection; returns what it sent (its version line, if any).</summary>
    private static async Task<string> ReadUntilClosedAsync(Socket socket, TimeSpan limit, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (n == 0)
                {
                    break;
                }

                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset)
        {
            // A drop with unread data in the server's socket ends in a reset: closed all the same.
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Assert.Fail($"The server kept a flood connection open for more than {limit}");
        }

        return Encoding.Latin1.GetString(received.ToArray());
    }

    /// <summary>Sockets the server holds on its port (ESTABLISHED or CLOSE_WAIT in /proc/net/tcp), the listener not counted.</summary>
    private static int ServerSockets(int port)
    {
        var local = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => f[1].EndsWith(local, StringComparison.Ordinal) && f[3] is "01" or "08");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan limit, string what, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < limit, $"Not true within {limit}: {what}");
            await Task.Delay(50, ct);
        }
    }

    private void Report(string line)
    {
        _run.Note(line);
        output.WriteLine(line);
    }
}
