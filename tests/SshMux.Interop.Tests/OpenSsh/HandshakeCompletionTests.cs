using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.OpenSsh;

/// <summary>
/// A handshake that completed must be reported as completed, however soon the peer leaves.
/// Real clients do leave at once: ssh with nothing to authenticate with disconnects a few
/// milliseconds after the key exchange, which is how this was found.
/// </summary>
public class HandshakeCompletionTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    /// <summary>
    /// ssh's end seems to close right after its NEWKEYS (see <see cref="AfterNewKeysStream"/>).
    /// Our server then has received everything the first key exchange needs, so AcceptAsync
    /// must return the transport (whose Completion then reports the lost connection), every
    /// time. It races instead: StartAsync waits for the first key exchange with
    /// _firstKex.Task.WaitAsync(handshake.Token), and the receive loop, seeing end of stream
    /// right after completing _firstKex (whose continuations run asynchronously), aborts and
    /// cancels _lifetime, to which handshake.Token is linked; when the cancellation beats the
    /// queued continuation, AcceptAsync throws the close reason although the exchange finished.
    /// </summary>
    [PeerFact(Peers.Ssh)]
    public Task AcceptAsyncReturnsWhenThePeerClosesRightAfterNewKeys() => _run.RunAsync(async _ =>
    {
        const int attempts = 12;
        var failures = new List<string>();
        for (var i = 0; i < attempts; i++)
        {
            var completed = false;
            var log = _run.TransportLog("server");
            await using var server = OurServer.Start(_run, o => o.Log = (level, message) =>
            {
                completed |= message.StartsWith("Initial key exchange complete", StringComparison.Ordinal);
                log(level, message);
            }, AfterNewKeysStream.EndOfStream);
            var ssh = await OpenSshClient.RunAsync(_run, server.Port, "KexAlgorithms=curve25519-sha256");
            Assert.Contains("SSH2_MSG_NEWKEYS sent", ssh.Output, StringComparison.Ordinal);
            var connection = await server.NextConnectionAsync(TimeSpan.FromSeconds(10));
            if (connection.Error is not null)
            {
                failures.Add((completed ? "after the server logged the exchange complete: " : "exchange not complete: ") + connection.Error.Message);
                continue;
            }

            var transport = connection.Transport!;
            Assert.Equal(1, transport.KeyExchangeCount);
            Assert.Equal("curve25519-sha256", transport.Negotiated!.KeyExchange);
            await transport.Completion.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.NotNull(transport.CloseReason);
        }

        Assert.True(failures.Count == 0,
            $"AcceptAsync threw in {failures.Count} of {attempts} completed handshakes: {string.Join(" | ", failures.Distinct())}");
    });
}
