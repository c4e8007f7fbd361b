using System.Numerics;
using SshMux.Ssh.Transport.Kex;

namespace SshMux.Ssh.Tests.Kex;

/// <summary>RFC 4419 specifics: the size negotiation and the checks on the offered group.</summary>
public class DhGroupExchangeTests
{
    private const string Gex = DhGroupExchangeKeyExchange.MethodName;

    [Theory]
    [InlineData(1024, 1024, 8192, 1536)]   // below the 2048-bit floor even though the client's min allows it
    [InlineData(2048, 3072, 8192, 1024)]
    [InlineData(3072, 3072, 8192, 2048)]   // below the client's min
    [InlineData(2048, 3072, 4096, 6144)]   // above the client's max
    public async Task ClientRejectsAGroupOfTheWrongSize(int min, int preferred, int max, int offeredBits)
    {
        var p = (BigInteger.One << (offeredBits - 1)) + 3;
        var e = await ClientFailsAsync((i, m) => i == 0 ? Group(p, 2) : m, min, preferred, max);
        Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
        Assert.Contains($"{offeredBits}-bit group", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientRejectsAnEvenModulusAndBadGenerators()
    {
        var p = DhGroups.Modp3072.P;
        foreach (var (modulus, generator) in new[] { (p + 1, new BigInteger(2)), (p, BigInteger.One), (p, p - 1), (p, BigInteger.Zero), (p, p) })
        {
            var e = await ClientFailsAsync((i, m) => i == 0 ? Group(modulus, generator) : m);
            Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
        }
    }

    [Theory]
    [InlineData(4096u, 3072u, 8192u)]   // n < min
    [InlineData(2048u, 8192u, 4096u)]   // n > max
    [InlineData(4096u, 4096u, 2048u)]   // max < min
    [InlineData(1024u, 1024u, 1536u)]   // nothing at or above 2048 bits
    [InlineData(9000u, 9000u, 10000u)]  // nothing at or below 8192 bits
    public async Task ServerRejectsAnUnusableRequest(uint min, uint n, uint max)
    {
        using var hostKey = TestEcdsaPrivateKey.Create();
        var run = await KexHarness.RunAsync(TestMethods.Create(Gex), TestMethods.Create(Gex, moduliPath: "/nonexistent/moduli"), new KexSetup
        {
            HostKey = hostKey,
            ToServer = (i, m) => i == 0 ? KexHarness.Encode(w => new KexDhGexRequest { Min = min, Preferred = n, Max = max }.Write(w)) : m,
        });
        var e = await Assert.ThrowsAsync<SshException>(() => run.Server);
        Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
        Assert.Empty(run.ToClient);
    }

    [Fact]
    public async Task ServerClampsAWideRequestAndHashesItAsSent()
    {
        // The client may ask for 1024..16384; the server serves 2048..8192 but H covers the original numbers.
        using var hostKey = TestEcdsaPrivateKey.Create();
        var (client, server, run) = await KexHarness.RunSuccessfullyAsync(TestMethods.Create(Gex), TestMethods.Create(Gex, moduliPath: "/nonexistent/moduli"),
            new KexSetup { HostKey = hostKey, GexMin = 1024, GexPreferred = 1024, GexMax = 16384 });
        Assert.Equal(client.ExchangeHash, server.ExchangeHash);
        var group = KexDhGexGroup.Read(run.ToClient[0]);
        Assert.Equal(DhGroups.Group14.Prime, group.P);
        var request = KexDhGexRequest.Read(run.ToServer[0]);
        Assert.Equal((1024u, 1024u, 16384u), (request.Min, request.Preferred, request.Max));
    }

    [Fact]
    public async Task ClientRefusesInconsistentBoundsOfItsOwn()
    {
        using var hostKey = TestEcdsaPrivateKey.Create();
        var run = await KexHarness.RunAsync(TestMethods.Create(Gex), TestMethods.Create(Gex),
            new KexSetup { HostKey = hostKey, GexMin = 4096, GexPreferred = 3072, GexMax = 8192 });
        await Assert.ThrowsAsync<InvalidOperationException>(() => run.Client);
    }

    private static async Task<SshException> ClientFailsAsync(Func<int, byte[], byte[]> toClient, int min = 2048, int preferred = 3072, int max = 8192)
    {
        using var hostKey = TestEcdsaPrivateKey.Create();
        var setup = new KexSetup { HostKey = hostKey, GexMin = min, GexPreferred = preferred, GexMax = max, ToClient = toClient };
        var run = await KexHarness.RunAsync(TestMethods.Create(Gex), TestMethods.Create(Gex, moduliPath: "/nonexistent/moduli"), setup);
        return await Assert.ThrowsAsync<SshException>(() => run.Client);
    }

    private static byte[] Group(BigInteger p, BigInteger g) =>
        KexHarness.Encode(w => new KexDhGexGroup { P = KexHarness.Magnitude(p), G = KexHarness.Magnitude(g) }.Write(w));
}
