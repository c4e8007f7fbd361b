using System.Security.Cryptography;
using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Transport.Kex;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Kex;

public class KexRoundTripTests
{
    public static TheoryData<string> Methods => [.. AlgorithmRegistry.KeyExchanges];

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task ClientAndServerDeriveTheSameSecretAndHash(string method)
    {
        using var hostKey = TestEcdsaPrivateKey.Create();
        var (client, server, run) = await KexHarness.RunSuccessfullyAsync(
            TestMethods.Create(method), TestMethods.Create(method), new KexSetup { HostKey = hostKey });
        using (client)
        using (server)
        {
            Assert.Equal(server.SharedSecret, client.SharedSecret);
            Assert.Equal(server.ExchangeHash, client.ExchangeHash);
            var factoryMethod = KexFactory.Create(method);
            Assert.Equal(method, factoryMethod.Name);
            Assert.Equal(factoryMethod.Hash, client.Hash);
            Assert.Equal(HashLength(client.Hash), client.ExchangeHash.Length);
            Assert.Equal(hostKey.PublicKey.Blob.ToArray(), client.HostKey.Blob.ToArray());
            Assert.Same(hostKey.PublicKey, server.HostKey);

            // K is one well-formed, positive mpint and nothing else.
            var reader = new SshReader(client.SharedSecret);
            Assert.True(reader.ReadMPInt("K").Sign > 0);
            reader.EnsureEnd("K");

            // The exchange is the documented dialogue: 1 message each way, GEX 2 each way.
            var expectedMessages = method == DhGroupExchangeKeyExchange.MethodName ? 2 : 1;
            Assert.Equal(expectedMessages, run.ToServer.Count);
            Assert.Equal(expectedMessages, run.ToClient.Count);
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task EveryExchangeUsesFreshEphemeralKeys(string method)
    {
        using var hostKey = TestEcdsaPrivateKey.Create();
        var first = await KexHarness.RunSuccessfullyAsync(TestMethods.Create(method), TestMethods.Create(method), new KexSetup { HostKey = hostKey });
        var second = await KexHarness.RunSuccessfullyAsync(TestMethods.Create(method), TestMethods.Create(method), new KexSetup { HostKey = hostKey });
        Assert.NotEqual(first.Client.SharedSecret, second.Client.SharedSecret);
        Assert.NotEqual(first.Run.ToServer[^1], second.Run.ToServer[^1]);
    }

    [Fact]
    public async Task DisposingTheResultWipesTheSharedSecret()
    {
        using var hostKey = TestEcdsaPrivateKey.Create();
        var (client, server, _) = await KexHarness.RunSuccessfullyAsync(
            TestMethods.Create("ecdh-sha2-nistp256"), TestMethods.Create("ecdh-sha2-nistp256"), new KexSetup { HostKey = hostKey });
        server.Dispose();
        client.Dispose();
        Assert.All(client.SharedSecret, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData("ssh-ed25519")]
    [InlineData("rsa-sha2-256")]
    [InlineData("ecdsa-sha2-nistp384")]
    public async Task ClientRefusesAHostKeyOfTheWrongType(string negotiated)
    {
        using var hostKey = TestEcdsaPrivateKey.Create();
        var run = await KexHarness.RunAsync(TestMethods.Create("ecdh-sha2-nistp256"), TestMethods.Create("ecdh-sha2-nistp256"),
            new KexSetup { HostKey = hostKey, ClientHostKeyAlgorithm = negotiated });
        var e = await Assert.ThrowsAsync<SshException>(() => run.Client);
        Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
        Assert.Contains(negotiated, e.Message, StringComparison.Ordinal);
        Assert.Contains("ecdsa-sha2-nistp256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerRefusesToSignWithAHostKeyOfTheWrongType()
    {
        using var hostKey = TestEcdsaPrivateKey.Create();
        var run = await KexHarness.RunAsync(TestMethods.Create("curve25519-sha256"), TestMethods.Create("curve25519-sha256"),
            new KexSetup { HostKey = hostKey, ServerHostKeyAlgorithm = "rsa-sha2-512", ClientHostKeyAlgorithm = "rsa-sha2-512" });
        var e = await Assert.ThrowsAsync<SshException>(() => run.Server);
        Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
        Assert.Empty(run.ToClient);
    }

    [Fact]
    public void FactoryRefusesUnknownMethods()
    {
        var e = Assert.Throws<SshException>(() => KexFactory.Create("diffie-hellman-group1-sha1"));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
    }

    private static int HashLength(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA256 ? 32 : hash == HashAlgorithmName.SHA384 ? 48 : 64;
}
