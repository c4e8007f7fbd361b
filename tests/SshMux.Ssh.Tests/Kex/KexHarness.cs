using System.Numerics;
using System.Threading.Channels;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport.Kex;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Kex;

/// <summary>Settings of one in-memory key exchange between a client and a server method.</summary>
internal sealed class KexSetup
{
    public byte[] ClientVersion { get; init; } = "SSH-2.0-SshMuxTest_client"u8.ToArray();

    public byte[] ServerVersion { get; init; } = "SSH-2.0-SshMuxTest_server"u8.ToArray();

    public byte[] ClientKexInit { get; init; } = [20, .. "client kexinit stand-in"u8];

    public byte[] ServerKexInit { get; init; } = [20, .. "server kexinit stand-in"u8];

    public string ClientHostKeyAlgorithm { get; init; } = TestEcdsaPublicKey.Type;

    public string ServerHostKeyAlgorithm { get; init; } = TestEcdsaPublicKey.Type;

    public required SshPrivateKey HostKey { get; init; }

    public int GexMin { get; init; } = 2048;

    public int GexPreferred { get; init; } = 3072;

    public int GexMax { get; init; } = 8192;

    /// <summary>Rewrites a message on its way to the client (index counts server-to-client messages).</summary>
    public Func<int, byte[], byte[]>? ToClient { get; init; }

    public Func<int, byte[], byte[]>? ToServer { get; init; }
}

/// <summary>Both sides of a finished (or failed) exchange and the messages as delivered.</summary>
internal sealed class KexRun
{
    public required Task<KexResult> Client { get; init; }

    public required Task<KexResult> Server { get; init; }

    public List<byte[]> ToServer { get; } = [];

    public List<byte[]> ToClient { get; } = [];
}

/// <summary>Runs a client and a server method against each other over two channels.</summary>
internal static class KexHarness
{
    public static async Task<KexRun> RunAsync(KeyExchange client, KeyExchange server, KexSetup setup)
    {
        var toServer = Channel.CreateUnbounded<byte[]>();
        var toClient = Channel.CreateUnbounded<byte[]>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var serverLog = new List<byte[]>();
        var clientLog = new List<byte[]>();

        var clientContext = Context(setup, setup.ClientHostKeyAlgorithm, null, toServer.Writer, toClient.Reader, setup.ToServer, serverLog);
        var serverContext = Context(setup, setup.ServerHostKeyAlgorithm, setup.HostKey, toClient.Writer, toServer.Reader, setup.ToClient, clientLog);

        var clientTask = Guard(() => client.RunClientAsync(clientContext, timeout.Token), toServer.Writer);
        var serverTask = Guard(() => server.RunServerAsync(serverContext, timeout.Token), toClient.Writer);
        try
        {
            await Task.WhenAll(clientTask, serverTask);
        }
        catch (Exception)
        {
            // Each test inspects the side it expects to fail.
        }

        var run = new KexRun { Client = clientTask, Server = serverTask };
        run.ToServer.AddRange(serverLog);
        run.ToClient.AddRange(clientLog);
        return run;
    }

    /// <summary>Runs both sides and returns their results, failing the test when either side failed.</summary>
    public static async Task<(KexResult Client, KexResult Server, KexRun Run)> RunSuccessfullyAsync(KeyExchange client, KeyExchange server, KexSetup setup)
    {
        var run = await RunAsync(client, server, setup);
        return (await run.Client, await run.Server, run);
    }

    private static KexContext Context(KexSetup setup, string hostKeyAlgorithm, SshPrivateKey? hostKey, ChannelWriter<byte[]> outgoing,
        ChannelReader<byte[]> incoming, Func<int, byte[], byte[]>? tamper, List<byte[]> log)
    {
        var sent = 0;
        return new KexContext
        {
            ClientVersion = setup.ClientVersion,
            ServerVersion = setup.ServerVersion,
            ClientKexInit = setup.ClientKexInit,
            ServerKexInit = setup.ServerKexInit,
            HostKeyAlgorithm = hostKeyAlgorithm,
            HostKey = hostKey,
            GexMin = setup.GexMin,
            GexPreferred = setup.GexPreferred,
            GexMax = setup.GexMax,
            SendAsync = (message, ct) =>
            {
                var bytes = message.ToArray();
                if (tamper is not null)
                {
                    bytes = tamper(sent, bytes);
                }

                sent++;
                lock (log)
                {
                    log.Add(bytes);
                }

                return outgoing.WriteAsync(bytes, ct);
            },
            ReceiveAsync = ct => incoming.ReadAsync(ct),
        };
    }

    /// <summary>Encodes one message payload.</summary>
    public static byte[] Encode(Action<SshWriter> write)
    {
        using var w = new SshWriter();
        write(w);
        return w.ToArray();
    }

    /// <summary>The unsigned big-endian magnitude the message types carry for mpints.</summary>
    public static byte[] Magnitude(BigInteger value) => value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true);

    /// <summary>When one side fails, closing its outgoing channel ends the other side's wait.</summary>
    private static async Task<KexResult> Guard(Func<Task<KexResult>> run, ChannelWriter<byte[]> outgoing)
    {
        try
        {
            return await run();
        }
        catch
        {
            outgoing.TryComplete();
            throw;
        }
    }
}
