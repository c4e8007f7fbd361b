using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Auth;

/// <summary>
/// ssh-mux's client authentication against the real sshd with publickey, the key in an
/// AuthorizedKeysFile in sshd's temp directory. sshd's DEBUG3 log says which method and
/// signature algorithm it checked ("userauth_pubkey: METHOD have ALG signature for ...").
/// </summary>
public class ClientVsSshdAuthTests(ITestOutputHelper output)
{
    private const string HostBound = "publickey-hostbound-v00@openssh.com";
    private readonly InteropRun _run = new(output);

    public static TheoryData<string, string, string> Keys => new()
    {
        { "ssh-ed25519", "", "ssh-ed25519" },
        { "ecdsa-sha2-nistp256", "", "ecdsa-sha2-nistp256" },
        { "ecdsa-sha2-nistp521", "", "ecdsa-sha2-nistp521" },
        { "ssh-rsa", "", "rsa-sha2-512" },
        { "ssh-rsa", "rsa-sha2-256", "rsa-sha2-256" },
    };

    /// <param name="clientAlgorithms">The client's PublicKeyAlgorithms, empty for the default.</param>
    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [MemberData(nameof(Keys))]
    public Task PublicKeyWithEachKeyType(string keyType, string clientAlgorithms, string expectedAlgorithm) => _run.RunAsync(async ct =>
    {
        using var key = SshPrivateKey.Generate(keyType, 2048);
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], key.PublicKey));
        await using var client = await OurClient.ConnectAsync(sshd.Port, _run, null, ct);
        var options = Options(key);
        if (clientAlgorithms.Length > 0)
        {
            options.PublicKeyAlgorithms = clientAlgorithms.Split(',');
        }

        var result = await AuthenticateAsync(client, options, ct);

        Assert.Equal(expectedAlgorithm, result.SignatureAlgorithm);
        Assert.Equal(["publickey"], result.Methods);
        await sshd.Process.WaitForLineAsync(l => l.Contains($"Accepted publickey for {Environment.UserName} from 127.0.0.1", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the accepted key");

        // sshd 9.2 announces publickey-hostbound@openssh.com, so the signed request is host-bound.
        Assert.Equal(1, sshd.Process.Count(l => l.Contains($"userauth_pubkey: {HostBound} have {expectedAlgorithm} signature for", StringComparison.Ordinal)));
        Assert.False(client.Transport.IsClosed);
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task PlainPublicKeyWhenHostBoundIsTurnedOff() => _run.RunAsync(async ct =>
    {
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], key.PublicKey));
        await using var client = await OurClient.ConnectAsync(sshd.Port, _run, null, ct);
        var options = Options(key);
        options.UseHostBoundPublicKey = false;

        await AuthenticateAsync(client, options, ct);

        await sshd.Process.WaitForLineAsync(l => l.Contains("userauth_pubkey: publickey have ssh-ed25519 signature for", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the plain publickey signature");
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task RefusedKeysAreOnlyQueriedAndTheAcceptedOneSigns() => _run.RunAsync(async ct =>
    {
        using var refused = SshPrivateKey.Generate("ecdsa-sha2-nistp384");
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], key.PublicKey));
        await using var client = await OurClient.ConnectAsync(sshd.Port, _run, null, ct);
        var options = Options(key);
        options.Identities = [new PrivateKeyIdentity(refused), new PrivateKeyIdentity(key)];

        var result = await AuthenticateAsync(client, options, ct);

        Assert.Same(options.Identities[1], result.Identity);
        await sshd.Process.WaitForLineAsync(l => l.Contains("Accepted publickey", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the accepted key");
        Assert.Equal(2, sshd.Process.Count(l => l.Contains(" querying public key ", StringComparison.Ordinal)));
        Assert.Equal(1, sshd.Process.Count(l => l.Contains(" attempting public key ", StringComparison.Ordinal)));
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task KeySshdDoesNotAcceptEndsInPermissionDenied() => _run.RunAsync(async ct =>
    {
        using var authorized = SshPrivateKey.Generate("ssh-ed25519");
        using var other = SshPrivateKey.Generate("ssh-ed25519");
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], authorized.PublicKey, "AuthenticationMethods publickey"));
        await using var client = await OurClient.ConnectAsync(sshd.Port, _run, null, ct);

        var error = await Assert.ThrowsAsync<SshAuthenticationException>(() => AuthenticateAsync(client, Options(other), ct));

        Assert.StartsWith("Permission denied (publickey)", error.Message, StringComparison.Ordinal);
        Assert.Equal(["none", $"publickey ssh-ed25519 {other.PublicKey.GetSha256Fingerprint()}"], error.TriedMethods);
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task SshdBannerArrivesSanitised() => _run.RunAsync(async ct =>
    {
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        using var directory = new TempDirectory("sshmux-banner-");
        var bannerFile = directory.File("banner");
        await File.WriteAllTextAsync(bannerFile, "Authorised use only\n\u001b[2Jcleared?\n", ct);
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], key.PublicKey, "Banner " + bannerFile));
        await using var client = await OurClient.ConnectAsync(sshd.Port, _run, null, ct);
        var banners = new List<string>();
        var options = Options(key);
        options.BannerCallback = banners.Add;

        await AuthenticateAsync(client, options, ct);

        // sshd sends the file as it is; the escape sequence arrives made visible.
        Assert.Equal(["Authorised use only\n\\x1B[2Jcleared?\n"], banners);
    });

    private ClientAuthOptions Options(SshPrivateKey key) => new()
    {
        Identities = [new PrivateKeyIdentity(key)],
        Log = _run.TransportLog("client auth"),
    };

    private static Task<ClientAuthResult> AuthenticateAsync(OurClient client, ClientAuthOptions options, CancellationToken ct)
    {
        // sshd sends hostkeys-00@openssh.com right after success: something must take it.
        var router = new SshServiceRouter(client.Transport) { Connection = new RefusingConnectionService(client.Transport) };
        return SshClientAuthentication.AuthenticateAsync(router, Environment.UserName, options, ct);
    }
}
