using System.Numerics;
using SshMux.Ssh.Transport.Kex;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Kex;

/// <summary>A peer that bends the protocol must make the exchange fail with the right reason.</summary>
public class KexTamperTests
{
    private const string Group14 = "diffie-hellman-group14-sha256";
    private const string Gex = "diffie-hellman-group-exchange-sha256";

    public static TheoryData<string> Methods => [.. Algorithms.AlgorithmRegistry.KeyExchanges];

    public static TheoryData<string> EcdhMethods => ["ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521"];

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task ClientRejectsABadSignature(string method)
    {
        var e = await ClientFailsAsync(method, (index, m) => IsReply(method, index) ? RewriteReply(method, m, signature: FlipLast) : m);
        Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
        Assert.Contains("signature", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task ClientRejectsAnUnexpectedMessageNumber(string method)
    {
        var e = await ClientFailsAsync(method, (index, m) => IsReply(method, index) ? [(byte)(m[0] + 1), .. m.AsSpan(1)] : m);
        Assert.Equal(DisconnectReason.ProtocolError, e.Reason);
        var expected = method == Gex ? "33" : "31";
        var received = method == Gex ? "34" : "32";
        Assert.Contains($"expected message {expected}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"received message {received}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task ClientRejectsTrailingBytes(string method)
    {
        var e = await ClientFailsAsync(method, (index, m) => IsReply(method, index) ? [.. m, 0] : m);
        Assert.Equal(DisconnectReason.ProtocolError, e.Reason);
        Assert.Contains("trailing", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task ServerRejectsAnUnexpectedFirstMessage(string method)
    {
        using var hostKey = TestEcdsaPrivateKey.Create();
        var run = await KexHarness.RunAsync(TestMethods.Create(method), TestMethods.Create(method),
            new KexSetup { HostKey = hostKey, ToServer = (_, m) => [49, .. m.AsSpan(1)] });
        var e = await Assert.ThrowsAsync<SshException>(() => run.Server);
        Assert.Equal(DisconnectReason.ProtocolError, e.Reason);
        Assert.Contains("received message 49", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task ServerRejectsTrailingBytes(string method)
    {
        using var hostKey = TestEcdsaPrivateKey.Create();
        var run = await KexHarness.RunAsync(TestMethods.Create(method), TestMethods.Create(method),
            new KexSetup { HostKey = hostKey, ToServer = (_, m) => [.. m, 0] });
        var e = await Assert.ThrowsAsync<SshException>(() => run.Server);
        Assert.Equal(DisconnectReason.ProtocolError, e.Reason);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(33)]
    public async Task Curve25519RejectsWrongLengthPublicValues(int length)
    {
        var e = await ClientFailsAsync("curve25519-sha256", (_, m) => RewriteReply("curve25519-sha256", m, publicValue: _ => new byte[length]));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
        Assert.Contains($"{length} bytes", e.Message, StringComparison.Ordinal);

        var s = await ServerFailsAsync("curve25519-sha256", (_, m) => KexHarness.Encode(w => new KexEcdhInit { ClientPublic = new byte[length] }.Write(w)));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, s.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Curve25519RejectsLowOrderPointsThatGiveAZeroSecret(int u)
    {
        var point = new byte[32];
        point[0] = (byte)u;
        var e = await ClientFailsAsync("curve25519-sha256", (_, m) => RewriteReply("curve25519-sha256", m, publicValue: _ => point));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
        Assert.Contains("all-zero", e.Message, StringComparison.Ordinal);

        var s = await ServerFailsAsync("curve25519-sha256", (_, m) => KexHarness.Encode(w => new KexEcdhInit { ClientPublic = point }.Write(w)));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, s.Reason);
    }

    [Theory]
    [MemberData(nameof(EcdhMethods))]
    public async Task EcdhRejectsPointsOffTheCurve(string method)
    {
        // Changing y alone moves the point off the curve (only y and p-y lie above x).
        var e = await ClientFailsAsync(method, (_, m) => RewriteReply(method, m, publicValue: FlipLast));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
        Assert.Contains("not an uncompressed point", e.Message, StringComparison.Ordinal);

        var s = await ServerFailsAsync(method, (_, m) => KexHarness.Encode(w => new KexEcdhInit { ClientPublic = FlipLast(KexEcdhInit.Read(m).ClientPublic) }.Write(w)));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, s.Reason);
    }

    [Theory]
    [MemberData(nameof(EcdhMethods))]
    public async Task EcdhRejectsMalformedPoints(string method)
    {
        // Compressed form, wrong length, and a coordinate at or above p (all bits set).
        foreach (var mangle in new Func<byte[], byte[]>[]
                 {
                     q => [0x02, .. q.AsSpan(1, (q.Length - 1) / 2)],
                     q => q[..^1],
                     q => [0x04, .. Enumerable.Repeat((byte)0xff, (q.Length - 1) / 2), .. q.AsSpan(1 + ((q.Length - 1) / 2))],
                     q => [0x00],
                 })
        {
            var e = await ClientFailsAsync(method, (_, m) => RewriteReply(method, m, publicValue: mangle));
            Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
        }
    }

    [Theory]
    [InlineData(Group14)]
    [InlineData("diffie-hellman-group16-sha512")]
    [InlineData(Gex)]
    public async Task DhRejectsPublicValuesOutsideTheOpenRange(string method)
    {
        foreach (var bad in new Func<BigInteger, BigInteger>[] { _ => 0, _ => 1, p => p - 1, p => p, p => p + 1 })
        {
            var e = await ClientFailsAsync(method, (index, m) =>
            {
                if (!IsReply(method, index))
                {
                    return m;
                }

                return RewriteReply(method, m, publicValue: _ => KexHarness.Magnitude(bad(ModulusOf(method))));
            });
            Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
            Assert.Contains("outside 1 < y < p-1", e.Message, StringComparison.Ordinal);

            var s = await ServerFailsAsync(method, (index, m) =>
            {
                if (method == Gex)
                {
                    return index == 1 ? KexHarness.Encode(w => new KexDhGexInit { E = KexHarness.Magnitude(bad(ModulusOf(Gex))) }.Write(w)) : m;
                }

                return KexHarness.Encode(w => new KexDhInit { E = KexHarness.Magnitude(bad(ModulusOf(method))) }.Write(w));
            });
            Assert.Equal(DisconnectReason.KeyExchangeFailed, s.Reason);
            Assert.Contains("outside 1 < e < p-1", s.Message, StringComparison.Ordinal);
        }
    }

    private static async Task<SshException> ClientFailsAsync(string method, Func<int, byte[], byte[]> toClient)
    {
        using var hostKey = TestEcdsaPrivateKey.Create();
        var run = await KexHarness.RunAsync(TestMethods.Create(method), TestMethods.Create(method, moduliPath: "/nonexistent/moduli"),
            new KexSetup { HostKey = hostKey, ToClient = toClient });
        return await Assert.ThrowsAsync<SshException>(() => run.Client);
    }

    private static async Task<SshException> ServerFailsAsync(string method, Func<int, byte[], byte[]> toServer)
    {
        using var hostKey = TestEcdsaPrivateKey.Create();
        var run = await KexHarness.RunAsync(TestMethods.Create(method), TestMethods.Create(method, moduliPath: "/nonexistent/moduli"),
            new KexSetup { HostKey = hostKey, ToServer = toServer });
        return await Assert.ThrowsAsync<SshException>(() => run.Server);
    }

    /// <summary>The message carrying the server's public value and signature: the first, or the second for GEX.</summary>
    private static bool IsReply(string method, int index) => index == (method == Gex ? 1 : 0);

    /// <summary>For the fixed groups the prime is known; with GEX (moduli file absent) the 3072-bit fallback is chosen.</summary>
    private static BigInteger ModulusOf(string method) => method switch
    {
        Group14 => DhGroups.Group14.P,
        "diffie-hellman-group16-sha512" => DhGroups.Group16.P,
        _ => DhGroups.Modp3072.P,
    };

    private static byte[] RewriteReply(string method, byte[] message, Func<byte[], byte[]>? publicValue = null, Func<byte[], byte[]>? signature = null)
    {
        publicValue ??= v => v;
        signature ??= v => v;
        if (method.StartsWith("curve25519", StringComparison.Ordinal) || method.StartsWith("ecdh", StringComparison.Ordinal))
        {
            var r = KexEcdhReply.Read(message);
            return KexHarness.Encode(w => new KexEcdhReply { HostKey = r.HostKey, ServerPublic = publicValue(r.ServerPublic), Signature = signature(r.Signature) }.Write(w));
        }

        if (method == Gex)
        {
            var r = KexDhGexReply.Read(message);
            return KexHarness.Encode(w => new KexDhGexReply { HostKey = r.HostKey, F = publicValue(r.F), Signature = signature(r.Signature) }.Write(w));
        }

        var d = KexDhReply.Read(message);
        return KexHarness.Encode(w => new KexDhReply { HostKey = d.HostKey, F = publicValue(d.F), Signature = signature(d.Signature) }.Write(w));
    }

    private static byte[] FlipLast(byte[] value)
    {
        var copy = (byte[])value.Clone();
        copy[^1] ^= 0x01;
        return copy;
    }
}
