using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Transport.Messages;

namespace SshMux.Ssh.Tests.Transport;

/// <summary>
/// Hostile and broken peers: each case must end the connection with a clear reason within a
/// bounded time, and never with an unhandled exception or a hang.
/// </summary>
public class HostileInputTests
{
    private static SshServerOptions QuickServer(bool strict = true) => TransportPair.ServerWithAllKeys(new SshServerOptions
    {
        VersionExchangeTimeout = TimeSpan.FromSeconds(2),
        HandshakeTimeout = TimeSpan.FromSeconds(1.5),
        StrictKex = strict,
    });

    /// <summary>Runs our server against a raw client that sends the version line then <paramref name="script"/>.</summary>
    private static async Task<SshException> ServerFailsAsync(Func<RawPeer, Task> script, bool strict = true, bool closeAfterScript = false)
    {
        var (clientStream, serverStream) = InMemoryConnection.Create();
        await using var peer = new RawPeer(clientStream);
        using var drain = new CancellationTokenSource();
        var drained = peer.DrainAsync(drain.Token);
        var server = SshTransport.AcceptAsync(serverStream, QuickServer(strict));
        await peer.SendLineAsync("SSH-2.0-Hostile_1.0");
        await script(peer);
        if (closeAfterScript)
        {
            await peer.DisposeAsync();
        }

        var ex = await Assert.ThrowsAnyAsync<SshException>(() => server.WaitAsync(TimeSpan.FromSeconds(10)));
        await drain.CancelAsync();
        await drained;
        return ex;
    }

    [Fact]
    public async Task OversizePacketLengthIsRefused()
    {
        var ex = await ServerFailsAsync(p => p.SendBytesAsync([0x00, 0x10, 0x00, 0x00, 4, 0, 0, 0]));
        Assert.Contains("Bad packet length 1048576", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PacketLengthNotAlignedToTheBlockSizeIsRefused()
    {
        var ex = await ServerFailsAsync(p => p.SendBytesAsync(RawPeer.Frame([2, 0, 0, 0, 0], packetLengthOverride: 13)));
        Assert.Contains("block size", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PaddingShorterThanFourBytesIsRefused()
    {
        var ex = await ServerFailsAsync(p => p.SendBytesAsync(RawPeer.Frame([2], paddingLength: 2)), strict: false);
        Assert.Contains("Bad padding length 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TruncatedPacketIsConnectionLost()
    {
        var frame = RawPeer.Frame(RawPeer.KexInit(client: true));
        var ex = await ServerFailsAsync(p => p.SendBytesAsync(frame[..(frame.Length / 2)]), closeAfterScript: true);
        Assert.Equal(DisconnectReason.ConnectionLost, ex.Reason);
        Assert.Contains("in the middle of a packet body", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StrictKexRefusesAnyPacketBeforeKexInit()
    {
        var ex = await ServerFailsAsync(async p =>
        {
            await p.SendPacketAsync([MessageNumbers.Ignore, 0, 0, 0, 0]);
            await p.SendPacketAsync(RawPeer.KexInit(client: true));
        });
        Assert.Contains("Strict KEX violation: KEXINIT was not the first packet", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StrictKexRefusesIgnoreDuringTheInitialExchange()
    {
        var ex = await ServerFailsAsync(async p =>
        {
            await p.SendPacketAsync(RawPeer.KexInit(client: true));
            await p.SendPacketAsync([MessageNumbers.Ignore, 0, 0, 0, 0]);
        });
        Assert.Contains("Strict KEX violation", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutStrictKexIgnoreBeforeKexInitIsAllowed()
    {
        // The handshake then stalls (the raw client cannot finish it): the timeout, not the IGNORE, ends it.
        var ex = await ServerFailsAsync(async p =>
        {
            await p.SendPacketAsync([MessageNumbers.Ignore, 0, 0, 0, 0]);
            await p.SendPacketAsync(RawPeer.KexInit(client: true, strict: false));
        });
        Assert.Contains("Timed out", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewKeysBeforeTheKeyExchangeIsRefused()
    {
        var ex = await ServerFailsAsync(async p =>
        {
            await p.SendPacketAsync(RawPeer.KexInit(client: true));
            await p.SendPacketAsync([MessageNumbers.NewKeys]);
        });
        Assert.Contains("Unexpected message 21 during key exchange", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceMessagesBeforeKeyExchangeAreRefused()
    {
        var ex = await ServerFailsAsync(p => p.SendPacketAsync(new ServiceMessage(MessageNumbers.ServiceRequest, "ssh-userauth").ToPayload()), strict: false);
        Assert.Contains("before the first key exchange", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PeerStallingMidHandshakeTimesOut()
    {
        var ex = await ServerFailsAsync(p => p.SendPacketAsync(RawPeer.KexInit(client: true)));
        Assert.Contains("Timed out after 1.5 s waiting for the key exchange", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedKexInitIsRefused()
    {
        var kexinit = RawPeer.KexInit(client: true);
        var ex = await ServerFailsAsync(p => p.SendPacketAsync(kexinit.AsSpan(0, 30)));
        Assert.Contains("Malformed message", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongGuessedKexPacketIsIgnored()
    {
        // The client guesses ecdh-sha2-nistp256 while the server prefers curve25519-sha256: the
        // guessed packet (junk here) must be skipped, so only the stall ends the connection.
        var ex = await ServerFailsAsync(async p =>
        {
            await p.SendPacketAsync(RawPeer.KexInit(client: true, firstKexPacketFollows: true, kex: ["ecdh-sha2-nistp256", "curve25519-sha256"]));
            await p.SendPacketAsync([30, 0xde, 0xad]);
        });
        Assert.Contains("Timed out", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RightGuessedKexPacketIsUsed()
    {
        var ex = await ServerFailsAsync(async p =>
        {
            await p.SendPacketAsync(RawPeer.KexInit(client: true, firstKexPacketFollows: true));
            await p.SendPacketAsync([30, 0xde, 0xad]);
        });
        Assert.DoesNotContain("Timed out", ex.Message, StringComparison.Ordinal);
        Assert.Equal(DisconnectReason.ProtocolError, ex.Reason);
    }

    [Theory]
    [InlineData("chacha20-poly1305@openssh.com", "hmac-sha2-256")]
    [InlineData("aes128-gcm@openssh.com", "hmac-sha2-256")]
    [InlineData("aes256-ctr", "hmac-sha2-256-etm@openssh.com")]
    [InlineData("aes128-ctr", "hmac-sha2-512")]
    public async Task CorruptedPacketFailsItsMac(string cipher, string mac)
    {
        var (clientStream, serverStream) = InMemoryConnection.Create();
        var tamper = new TamperStream(serverStream);
        var client = TransportPair.AcceptAnyHostKey(new SshClientOptions { Ciphers = [cipher], Macs = [mac] });
        var serverTask = SshTransport.AcceptAsync(tamper, TransportPair.ServerWithAllKeys());
        await using var clientTransport = await SshTransport.ConnectAsync(clientStream, client);
        await using var server = await serverTask;
        await clientTransport.RequestServiceAsync("ssh-userauth");

        // Flip the last byte of the next chunk the server reads: it lies in the tag.
        tamper.OnRead = (_, chunk) => chunk.Span[^1] ^= 0x01;
        await clientTransport.SendMessageAsync(new byte[] { MessageNumbers.Ignore, 0, 0, 0, 3, 1, 2, 3 });
        await server.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        var reason = Assert.IsType<SshException>(server.CloseReason);
        Assert.Equal(DisconnectReason.MacError, reason.Reason);
        Assert.Contains("Corrupted MAC on input", reason.Message, StringComparison.Ordinal);

        // The client learns why from the server's SSH_MSG_DISCONNECT.
        await clientTransport.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(DisconnectReason.MacError, ((SshException)clientTransport.CloseReason!).Reason);
    }
}
