using System.Buffers.Binary;
using System.Collections.Concurrent;
using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Tests.Transport;

public class TransportBehaviourTests
{
    private const byte TestMessage = 200; // local extension range (RFC 4250 section 4.1.2)

    private static byte[] Numbered(uint n, int size)
    {
        var payload = new byte[size];
        payload[0] = TestMessage;
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(1), n);
        return payload;
    }

    [Fact]
    public async Task DataKeepsItsOrderAcrossAutomaticRekeysInBothDirections()
    {
        var client = TransportPair.AcceptAnyHostKey(new SshClientOptions { RekeyBytes = 64 * 1024 });
        var server = TransportPair.ServerWithAllKeys(new SshServerOptions { RekeyBytes = 48 * 1024 });
        await using var pair = await TransportPair.StartAsync(client, server);
        const int count = 4000;
        var atServer = new ConcurrentQueue<uint>();
        var atClient = new ConcurrentQueue<uint>();
        pair.Server.MessageHandler = (_, payload, _) =>
        {
            atServer.Enqueue(BinaryPrimitives.ReadUInt32BigEndian(payload.Span[1..]));
            return ValueTask.CompletedTask;
        };
        pair.Client.MessageHandler = (_, payload, _) =>
        {
            atClient.Enqueue(BinaryPrimitives.ReadUInt32BigEndian(payload.Span[1..]));
            return ValueTask.CompletedTask;
        };

        // The server only delivers messages >= 50 after a service was accepted.
        await pair.Client.RequestServiceAsync("ssh-userauth");
        var up = Task.Run(async () =>
        {
            for (uint i = 0; i < count; i++)
            {
                await pair.Client.SendMessageAsync(Numbered(i, 100 + (int)(i % 700)));
            }
        });
        var down = Task.Run(async () =>
        {
            for (uint i = 0; i < count; i++)
            {
                await pair.Server.SendMessageAsync(Numbered(i, 100 + (int)(i % 500)));
            }
        });
        await Task.WhenAll(up, down);
        await Wait.UntilAsync(() => atServer.Count == count && atClient.Count == count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (uint)i), atServer);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (uint)i), atClient);
        // How many re-keys happen depends on how much is in flight when each starts; at least one must.
        Assert.True(pair.Client.KeyExchangeCount >= 2, $"only {pair.Client.KeyExchangeCount} key exchanges");
        Assert.False(pair.Client.IsClosed);
    }

    [Fact]
    public async Task ExplicitRekeysFromBothSidesWhileDataFlows()
    {
        await using var pair = await TransportPair.StartAsync();
        var received = new ConcurrentQueue<uint>();
        pair.Server.MessageHandler = (_, payload, _) =>
        {
            received.Enqueue(BinaryPrimitives.ReadUInt32BigEndian(payload.Span[1..]));
            return ValueTask.CompletedTask;
        };
        await pair.Client.RequestServiceAsync("ssh-userauth");
        const int count = 2000;
        var sender = Task.Run(async () =>
        {
            for (uint i = 0; i < count; i++)
            {
                await pair.Client.SendMessageAsync(Numbered(i, 64));
            }
        });
        for (var i = 0; i < 5; i++)
        {
            await (i % 2 == 0 ? pair.Client : pair.Server).RekeyAsync();
        }

        await sender;
        await Wait.UntilAsync(() => received.Count == count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (uint)i), received);
        // A request made while the peer's exchange is in progress is satisfied by that exchange.
        Assert.True(pair.Server.KeyExchangeCount >= 3, $"only {pair.Server.KeyExchangeCount} key exchanges");
    }

    [Fact]
    public async Task NegotiationFailureNamesBothLists()
    {
        var client = TransportPair.AcceptAnyHostKey(new SshClientOptions { Ciphers = ["aes128-ctr"] });
        var server = TransportPair.ServerWithAllKeys(new SshServerOptions { Ciphers = ["aes256-gcm@openssh.com"] });
        var ex = await Assert.ThrowsAnyAsync<SshException>(() => TransportPair.StartAsync(client, server));
        Assert.Contains("aes128-ctr", ex.Message, StringComparison.Ordinal);
        Assert.Contains("aes256-gcm@openssh.com", ex.Message, StringComparison.Ordinal);
        Assert.Equal(DisconnectReason.KeyExchangeFailed, ex.Reason);
    }

    [Fact]
    public async Task ClientWithoutVerifierRefusesTheHostKey()
    {
        var ex = await Assert.ThrowsAnyAsync<SshException>(() => TransportPair.StartAsync(new SshClientOptions()));
        Assert.Equal(DisconnectReason.HostKeyNotVerifiable, ex.Reason);
    }

    [Fact]
    public async Task VerifierSeesTheServersKey()
    {
        HostKeyVerification? seen = null;
        var client = new SshClientOptions
        {
            HostKeyAlgorithms = ["ecdsa-sha2-nistp384"],
            HostKeyVerifier = (v, _) =>
            {
                seen = v;
                return ValueTask.FromResult(true);
            },
        };
        await using var pair = await TransportPair.StartAsync(client);
        Assert.NotNull(seen);
        Assert.Equal("ecdsa-sha2-nistp384", seen.Algorithm);
        Assert.Equal(TestKeys.ForKeyType("ecdsa-sha2-nistp384").PublicKey.Blob.ToArray(), seen.HostKey.Blob.ToArray());
        Assert.StartsWith("SSH-2.0-ssh_mux_", seen.ServerVersion, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StrictKexOnlyWhenBothOffer()
    {
        await using (var pair = await TransportPair.StartAsync(TransportPair.AcceptAnyHostKey(new SshClientOptions { StrictKex = false })))
        {
            Assert.False(pair.Client.IsStrictKex);
            Assert.False(pair.Server.IsStrictKex);
        }

        await using (var pair = await TransportPair.StartAsync(serverOptions: TransportPair.ServerWithAllKeys(new SshServerOptions { StrictKex = false })))
        {
            Assert.False(pair.Client.IsStrictKex);
        }
    }

    [Fact]
    public async Task ClientLearnsServerSigAlgs()
    {
        await using var pair = await TransportPair.StartAsync();
        await pair.Client.RequestServiceAsync("ssh-userauth");
        Assert.NotNull(pair.Client.ServerSignatureAlgorithms);
        Assert.Contains("rsa-sha2-512", pair.Client.ServerSignatureAlgorithms);
        Assert.Contains("ssh-ed25519", pair.Client.ServerSignatureAlgorithms);
    }

    [Fact]
    public async Task ServerRefusesUnknownService()
    {
        await using var pair = await TransportPair.StartAsync();
        var ex = await Assert.ThrowsAnyAsync<SshException>(() => pair.Client.RequestServiceAsync("ssh-nonsense"));
        Assert.Contains("ssh-nonsense", ex.Message, StringComparison.Ordinal);
        await pair.Server.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(DisconnectReason.ServiceNotAvailable, ((SshException)pair.Server.CloseReason!).Reason);
    }

    [Fact]
    public async Task PeerDisconnectIsReportedWithItsReason()
    {
        await using var pair = await TransportPair.StartAsync();
        await pair.Server.DisconnectAsync(DisconnectReason.TooManyConnections, "go away");
        await pair.Client.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        var reason = Assert.IsType<SshException>(pair.Client.CloseReason);
        Assert.True(reason.FromPeer);
        Assert.Equal(DisconnectReason.TooManyConnections, reason.Reason);
        Assert.Contains("go away", reason.Message, StringComparison.Ordinal);
    }
}

public class ReceiveLoopRekeyTests
{
    /// <summary>
    /// The server answers every unassigned message with SSH_MSG_UNIMPLEMENTED from its receive
    /// loop while its own data-volume re-keys are pending: those replies must not wait for the
    /// key exchange that only the receive loop can complete.
    /// </summary>
    [Fact]
    public async Task RepliesFromTheReceiveLoopDoNotDeadlockAgainstOurOwnRekey()
    {
        var serverLog = new ConcurrentQueue<string>();
        var clientLog = new ConcurrentQueue<string>();
        var server = TransportPair.ServerWithAllKeys(new SshServerOptions { RekeyBytes = 8 * 1024, Log = (_, m) => serverLog.Enqueue(m) });
        var client = TransportPair.AcceptAnyHostKey(new SshClientOptions { Log = (_, m) => clientLog.Enqueue(m) });
        await using var pair = await TransportPair.StartAsync(client, server);
        var payload = new byte[200];
        payload[0] = 8; // unassigned in RFC 4250: answered with SSH_MSG_UNIMPLEMENTED
        // Keep messages in flight until the server has re-keyed several times, so some of its
        // replies fall between its KEXINIT and its NEWKEYS.
        var sent = 0;
        var deadline = Environment.TickCount64 + 20000;
        while (pair.Server.KeyExchangeCount < 4 && Environment.TickCount64 < deadline)
        {
            await pair.Client.SendMessageAsync(payload).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            sent++;
        }

        Assert.True(pair.Server.KeyExchangeCount >= 4, $"only {pair.Server.KeyExchangeCount} key exchanges: {string.Join(" | ", serverLog)}");
        await pair.Client.RequestServiceAsync("ssh-userauth").WaitAsync(TimeSpan.FromSeconds(20));

        // Every reply arrives, including those the server held back during its own re-keys.
        await Wait.UntilAsync(() => clientLog.Count(m => m.StartsWith("Peer did not implement", StringComparison.Ordinal)) == sent);
        Assert.False(pair.Server.IsClosed);
    }
}
