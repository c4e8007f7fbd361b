using SshMux.Ssh.Transport.Messages;

namespace SshMux.Ssh.Tests.Transport;

public class MessageRoundTripTests
{
    [Fact]
    public void KexInitRoundTrips()
    {
        var message = new KexInitMessage
        {
            KexAlgorithms = ["curve25519-sha256", "kex-strict-c-v00@openssh.com"],
            ServerHostKeyAlgorithms = ["ssh-ed25519"],
            EncryptionClientToServer = ["aes128-ctr"],
            EncryptionServerToClient = ["aes256-ctr", "aes128-ctr"],
            MacClientToServer = ["hmac-sha2-256"],
            MacServerToClient = ["hmac-sha2-512"],
            CompressionClientToServer = ["none", "zlib@openssh.com"],
            LanguagesServerToClient = ["en"],
            FirstKexPacketFollows = true,
            Reserved = 7,
        };
        var payload = message.ToPayload();
        var parsed = KexInitMessage.Parse(payload);
        Assert.Equal(message.Cookie, parsed.Cookie);
        Assert.Equal(message.KexAlgorithms, parsed.KexAlgorithms);
        Assert.Equal(message.EncryptionServerToClient, parsed.EncryptionServerToClient);
        Assert.Equal(message.MacServerToClient, parsed.MacServerToClient);
        Assert.Equal(message.CompressionClientToServer, parsed.CompressionClientToServer);
        Assert.Equal(message.LanguagesServerToClient, parsed.LanguagesServerToClient);
        Assert.Empty(parsed.LanguagesClientToServer);
        Assert.True(parsed.FirstKexPacketFollows);
        Assert.Equal(7u, parsed.Reserved);
        Assert.Equal(payload, parsed.ToPayload());
    }

    [Fact]
    public void KexInitWithTrailingBytesIsRefused()
    {
        var payload = new KexInitMessage { KexAlgorithms = ["a"], ServerHostKeyAlgorithms = ["b"], EncryptionClientToServer = ["c"], EncryptionServerToClient = ["c"], MacClientToServer = ["d"], MacServerToClient = ["d"] }.ToPayload();
        var ex = Assert.Throws<SshException>(() => KexInitMessage.Parse([.. payload, 0]));
        Assert.Contains("trailing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DisconnectRoundTrips()
    {
        var message = new DisconnectMessage(DisconnectReason.TooManyConnections, "too many", "en");
        Assert.Equal(message, DisconnectMessage.Parse(message.ToPayload()));
    }

    [Fact]
    public void DebugRoundTrips()
    {
        var message = new DebugMessage(true, "hello", "en");
        Assert.Equal(message, DebugMessage.Parse(message.ToPayload()));
    }

    [Fact]
    public void UnimplementedRoundTrips()
    {
        var message = new UnimplementedMessage(0xfffffffe);
        Assert.Equal(message, UnimplementedMessage.Parse(message.ToPayload()));
    }

    [Fact]
    public void ServiceMessagesRoundTrip()
    {
        var request = new ServiceMessage(MessageNumbers.ServiceRequest, "ssh-userauth");
        Assert.Equal(request, ServiceMessage.Parse(request.ToPayload()));
        var accept = new ServiceMessage(MessageNumbers.ServiceAccept, "ssh-connection");
        Assert.Equal(accept, ServiceMessage.Parse(accept.ToPayload()));
    }

    [Fact]
    public void ExtInfoRoundTrips()
    {
        var message = new ExtInfoMessage([new("server-sig-algs", "ssh-ed25519,rsa-sha2-512"u8.ToArray()), new("ping@openssh.com", "0"u8.ToArray())]);
        var parsed = ExtInfoMessage.Parse(message.ToPayload());
        Assert.Equal(message.Extensions.Select(e => e.Key), parsed.Extensions.Select(e => e.Key));
        Assert.Equal(message.Extensions.Select(e => e.Value), parsed.Extensions.Select(e => e.Value));
    }

    [Fact]
    public void ExtInfoWithAbsurdCountIsRefused()
    {
        byte[] payload = [MessageNumbers.ExtInfo, 0xff, 0xff, 0xff, 0xff];
        Assert.Throws<SshException>(() => ExtInfoMessage.Parse(payload));
    }
}
