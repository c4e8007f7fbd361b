using SshMux.Ssh.Transport.Kex;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Kex;

public class KexMessageTests
{
    [Fact]
    public void MessagesRoundTripWithTheirNumbers()
    {
        byte[] big = [0x80, 1, 2, 3];   // needs a sign byte as an mpint
        var ecdhInit = RoundTrip(w => new KexEcdhInit { ClientPublic = [4, 5, 6] }.Write(w), b => KexEcdhInit.Read(b), 30);
        Assert.Equal([4, 5, 6], ecdhInit.ClientPublic);
        var ecdhReply = RoundTrip(w => new KexEcdhReply { HostKey = [1], ServerPublic = [2, 2], Signature = [3, 3, 3] }.Write(w), b => KexEcdhReply.Read(b), 31);
        Assert.Equal([1], ecdhReply.HostKey);
        Assert.Equal([2, 2], ecdhReply.ServerPublic);
        Assert.Equal([3, 3, 3], ecdhReply.Signature);
        Assert.Equal(big, RoundTrip(w => new KexDhInit { E = big }.Write(w), b => KexDhInit.Read(b), 30).E);
        var dhReply = RoundTrip(w => new KexDhReply { HostKey = [9], F = big, Signature = [8] }.Write(w), b => KexDhReply.Read(b), 31);
        Assert.Equal([9], dhReply.HostKey);
        Assert.Equal(big, dhReply.F);
        Assert.Equal([8], dhReply.Signature);
        var request = RoundTrip(w => new KexDhGexRequest { Min = 2048, Preferred = 3072, Max = 8192 }.Write(w), b => KexDhGexRequest.Read(b), 34);
        Assert.Equal((2048u, 3072u, 8192u), (request.Min, request.Preferred, request.Max));
        var group = RoundTrip(w => new KexDhGexGroup { P = big, G = [2] }.Write(w), b => KexDhGexGroup.Read(b), 31);
        Assert.Equal(big, group.P);
        Assert.Equal([2], group.G);
        Assert.Equal(big, RoundTrip(w => new KexDhGexInit { E = big }.Write(w), b => KexDhGexInit.Read(b), 32).E);
        var gexReply = RoundTrip(w => new KexDhGexReply { HostKey = [7], F = big, Signature = [6] }.Write(w), b => KexDhGexReply.Read(b), 33);
        Assert.Equal([7], gexReply.HostKey);
        Assert.Equal(big, gexReply.F);
        Assert.Equal([6], gexReply.Signature);
    }

    [Fact]
    public void WrongNumberTruncationAndNegativeMpintsAreProtocolErrors()
    {
        var bytes = Encode(w => new KexDhInit { E = [5] }.Write(w));
        AssertProtocolError(() => KexDhGexInit.Read(bytes));
        AssertProtocolError(() => KexDhInit.Read(bytes[..^1]));
        AssertProtocolError(() => KexDhInit.Read([]));

        // mpint e = -1: two's complement 0xff.
        AssertProtocolError(() => KexDhInit.Read([30, 0, 0, 0, 1, 0xff]));

        // An mpint with a superfluous leading zero is malformed (RFC 4251 section 5).
        AssertProtocolError(() => KexDhInit.Read([30, 0, 0, 0, 2, 0, 0x05]));
    }

    private static T RoundTrip<T>(Action<SshWriter> write, Func<byte[], T> read, byte number)
    {
        var bytes = Encode(write);
        Assert.Equal(number, bytes[0]);
        AssertProtocolError(() => read([.. bytes, 0]));
        return read(bytes);
    }

    private static byte[] Encode(Action<SshWriter> write)
    {
        using var w = new SshWriter();
        write(w);
        return w.ToArray();
    }

    private static void AssertProtocolError(Action action)
    {
        var e = Assert.Throws<SshException>(action);
        Assert.Equal(DisconnectReason.ProtocolError, e.Reason);
    }
}
