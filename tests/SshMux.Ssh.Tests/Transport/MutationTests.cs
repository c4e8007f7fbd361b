using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Tests.Transport;

/// <summary>
/// A deterministic mutation loop over recorded valid handshakes: the bytes one side received
/// in a real exchange are replayed, mutated, to a fresh transport of the same role. Every run
/// must end in <see cref="SshException"/> (or, rarely, a harmless success) within a bound.
/// </summary>
public class MutationTests
{
    private const int Iterations = 250;

    private static async Task<(byte[] ToServer, byte[] ToClient)> RecordHandshakeAsync()
    {
        var (clientStream, serverStream) = InMemoryConnection.Create();
        var toServer = new MemoryStream();
        var toClient = new MemoryStream();
        var serverSide = new TamperStream(serverStream) { ReadRecording = toServer };
        var clientSide = new TamperStream(clientStream) { ReadRecording = toClient };
        var serverTask = SshTransport.AcceptAsync(serverSide, TransportPair.ServerWithAllKeys());
        await using var client = await SshTransport.ConnectAsync(clientSide, TransportPair.AcceptAnyHostKey());
        await using var server = await serverTask;
        await client.RequestServiceAsync("ssh-userauth");
        await Task.Delay(50);
        return (toServer.ToArray(), toClient.ToArray());
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var data = (byte[])original.Clone();
        switch (random.Next(5))
        {
            case 0: // flip bits in a few bytes
                for (var i = 0; i < 1 + random.Next(4); i++)
                {
                    data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
                }

                return data;
            case 1: // truncate
                return data[..random.Next(data.Length)];
            case 2: // overwrite a run with random bytes
                var start = random.Next(data.Length);
                var len = Math.Min(data.Length - start, 1 + random.Next(16));
                random.NextBytes(data.AsSpan(start, len));
                return data;
            case 3: // delete a run
                var at = random.Next(data.Length);
                var count = Math.Min(data.Length - at, 1 + random.Next(32));
                return [.. data[..at], .. data[(at + count)..]];
            default: // duplicate a run
                var from = random.Next(data.Length);
                var n = Math.Min(data.Length - from, 1 + random.Next(64));
                return [.. data[..(from + n)], .. data[from..]];
        }
    }

    private static async Task RunOneAsync(byte[] input, bool asServer)
    {
        var (ours, theirs) = InMemoryConnection.Create();
        var peer = new RawPeer(theirs);
        using var drain = new CancellationTokenSource();
        var drained = peer.DrainAsync(drain.Token);
        Task<SshTransport> run = asServer
            ? SshTransport.AcceptAsync(ours, TransportPair.ServerWithAllKeys(new SshServerOptions { HandshakeTimeout = TimeSpan.FromSeconds(3), VersionExchangeTimeout = TimeSpan.FromSeconds(3) }))
            : SshTransport.ConnectAsync(ours, TransportPair.AcceptAnyHostKey(new SshClientOptions { HandshakeTimeout = TimeSpan.FromSeconds(3), VersionExchangeTimeout = TimeSpan.FromSeconds(3) }));
        await peer.SendBytesAsync(input);
        await peer.DisposeAsync(); // end of input: nothing may wait for bytes that never come
        try
        {
            var transport = await run.WaitAsync(TimeSpan.FromSeconds(10));
            await transport.Completion.WaitAsync(TimeSpan.FromSeconds(10));
            await transport.DisposeAsync();
        }
        catch (SshException)
        {
        }
        finally
        {
            await drain.CancelAsync();
            await drained;
        }
    }

    [Fact]
    public async Task MutatedHandshakesEndCleanly()
    {
        var (toServer, toClient) = await RecordHandshakeAsync();
        Assert.True(toServer.Length > 500 && toClient.Length > 500, "recorded handshake is too short");
        var random = new Random(20261121);
        for (var i = 0; i < Iterations; i++)
        {
            await RunOneAsync(Mutate(toServer, random), asServer: true);
            await RunOneAsync(Mutate(toClient, random), asServer: false);
        }
    }
}
