using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport.Kex;

namespace SshMux.Ssh.Tests.Kex;

/// <summary>The methods with the real key classes: K_S decoded by SshPublicKey.FromBlob, every host key algorithm.</summary>
public class KexRealHostKeyTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "curve25519-sha256", "ssh-ed25519", "ssh-ed25519" },
        { "curve25519-sha256@libssh.org", "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521" },
        { "ecdh-sha2-nistp256", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256" },
        { "ecdh-sha2-nistp384", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384" },
        { "ecdh-sha2-nistp521", "ssh-rsa", "rsa-sha2-512" },
        { "diffie-hellman-group14-sha256", "ssh-rsa", "rsa-sha2-256" },
        { "diffie-hellman-group16-sha512", "ssh-ed25519", "ssh-ed25519" },
        { "diffie-hellman-group-exchange-sha256", "ssh-rsa", "rsa-sha2-512" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ExchangeSucceedsWithRealHostKeys(string method, string keyType, string algorithm)
    {
        using var hostKey = SshPrivateKey.Generate(keyType, rsaBits: 2048);
        var (client, server, _) = await KexHarness.RunSuccessfullyAsync(
            KexFactory.Create(method), KexFactory.Create(method),
            new KexSetup { HostKey = hostKey, ClientHostKeyAlgorithm = algorithm, ServerHostKeyAlgorithm = algorithm });
        using (client)
        using (server)
        {
            Assert.Equal(server.SharedSecret, client.SharedSecret);
            Assert.Equal(server.ExchangeHash, client.ExchangeHash);
            Assert.Equal(hostKey.PublicKey, client.HostKey);
        }
    }

    [Fact]
    public async Task RsaKeyIsRefusedForAnEd25519Negotiation()
    {
        using var hostKey = SshPrivateKey.Generate("ssh-rsa", rsaBits: 2048);
        var run = await KexHarness.RunAsync(KexFactory.Create("curve25519-sha256"), KexFactory.Create("curve25519-sha256"),
            new KexSetup { HostKey = hostKey, ClientHostKeyAlgorithm = "ssh-ed25519", ServerHostKeyAlgorithm = "rsa-sha2-256" });
        var e = await Assert.ThrowsAsync<SshException>(() => run.Client);
        Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
        Assert.Contains("ssh-rsa", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignatureWithAnotherRsaHashIsRefused()
    {
        // The server signs with rsa-sha2-256 while rsa-sha2-512 was negotiated: same key type, wrong algorithm.
        using var hostKey = SshPrivateKey.Generate("ssh-rsa", rsaBits: 2048);
        var run = await KexHarness.RunAsync(KexFactory.Create("ecdh-sha2-nistp256"), KexFactory.Create("ecdh-sha2-nistp256"),
            new KexSetup { HostKey = hostKey, ClientHostKeyAlgorithm = "rsa-sha2-512", ServerHostKeyAlgorithm = "rsa-sha2-256" });
        var e = await Assert.ThrowsAsync<SshException>(() => run.Client);
        Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
        Assert.Contains("does not verify", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestKeyBlobsAreRealEcdsaBlobs()
    {
        // The test-only ECDSA key must speak the same wire format as the real classes.
        using var hostKey = TestEcdsaPrivateKey.Create();
        var (client, server, _) = await KexHarness.RunSuccessfullyAsync(
            TestMethods.Create("ecdh-sha2-nistp256", useTestDecoder: false), TestMethods.Create("ecdh-sha2-nistp256"),
            new KexSetup { HostKey = hostKey });
        Assert.Equal("ecdsa-sha2-nistp256", client.HostKey.KeyType);
        Assert.IsNotType<TestEcdsaPublicKey>(client.HostKey);
        client.Dispose();
        server.Dispose();
    }
}
