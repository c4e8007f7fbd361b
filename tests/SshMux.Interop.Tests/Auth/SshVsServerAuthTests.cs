using SshMux.Interop.Tests.Harness;
using SshMux.Ssh;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Auth;

/// <summary>
/// The real ssh client against ssh-mux's server authentication. There is no connection layer
/// yet: after authentication the test server refuses ssh's session channel, so ssh exits
/// with an error, and its -vvv output says whether authentication succeeded.
/// </summary>
public class SshVsServerAuthTests(ITestOutputHelper output)
{
    private const string User = "sshmux-interop";
    private readonly InteropRun _run = new(output);

    public static TheoryData<string, string, string> Keys => new()
    {
        { "ssh-ed25519", "", "ssh-ed25519" },
        { "ecdsa-sha2-nistp256", "", "ecdsa-sha2-nistp256" },
        { "ecdsa-sha2-nistp384", "", "ecdsa-sha2-nistp384" },
        { "ssh-rsa", "", "rsa-sha2-512" },
        { "ssh-rsa", "rsa-sha2-256", "rsa-sha2-256" },
    };

    /// <param name="sshAlgorithms">ssh's PubkeyAcceptedAlgorithms, empty for its default.</param>
    [PeerTheory(Peers.Ssh)]
    [MemberData(nameof(Keys))]
    public Task PublicKeySignsIn(string keyType, string sshAlgorithms, string expectedAlgorithm) => _run.RunAsync(async ct =>
    {
        using var directory = new TempDirectory("sshmux-auth-");
        using var key = SshPrivateKey.Generate(keyType, 2048);
        await using var server = OurAuthServer.Start(_run, new PublicKeyListAuthenticator([key.PublicKey]));

        var ssh = await RunSshAsync(server.Port, directory, key, sshAlgorithms.Length == 0 ? [] : ["PubkeyAcceptedAlgorithms=" + sshAlgorithms]);

        var auth = await server.NextAsync(TimeSpan.FromSeconds(10));
        var result = await auth.Completion.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(User, result.User);
        Assert.Equal(key.PublicKey, Assert.Single(result.PublicKeys));
        Assert.Contains("Authenticated to 127.0.0.1", ssh.Output, StringComparison.Ordinal);
        Assert.Contains("using \"publickey\"", ssh.Output, StringComparison.Ordinal);

        // ssh saw our publickey-hostbound@openssh.com announcement and used it; the server
        // verified the algorithm ssh chose.
        Assert.Contains("using publickey-hostbound-v00@openssh.com with", ssh.Output, StringComparison.Ordinal);
        Assert.True(_run.Logged($"Accepted publickey {expectedAlgorithm} host-bound ({keyType} {key.PublicKey.GetSha256Fingerprint()}) for \"{User}\""), "our server did not log the expected algorithm");

        // No connection layer: the session channel is refused, so ssh fails after signing in.
        Assert.Contains("open failed", ssh.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, ssh.ExitCode);
    });

    [PeerFact(Peers.Ssh)]
    public Task KeyTheServerDoesNotAcceptIsPermissionDenied() => _run.RunAsync(async ct =>
    {
        using var directory = new TempDirectory("sshmux-auth-");
        using var accepted = SshPrivateKey.Generate("ssh-ed25519");
        using var offered = SshPrivateKey.Generate("ssh-ed25519");
        await using var server = OurAuthServer.Start(_run, new PublicKeyListAuthenticator([accepted.PublicKey]));

        var ssh = await RunSshAsync(server.Port, directory, offered, []);

        Assert.Equal(255, ssh.ExitCode);
        Assert.Contains($"{User}@127.0.0.1: Permission denied (publickey).", ssh.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Authenticated to", ssh.Output, StringComparison.Ordinal);
        var auth = await server.NextAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<SshException>(() => auth.Completion.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal(1, auth.Failures);
    });

    [PeerFact(Peers.Ssh)]
    public Task BannerIsShownBySsh() => _run.RunAsync(async ct =>
    {
        using var directory = new TempDirectory("sshmux-auth-");
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        await using var server = OurAuthServer.Start(_run, new PublicKeyListAuthenticator([key.PublicKey]), o => o.Banner = "Welcome to the ssh-mux test server\n");

        var ssh = await RunSshAsync(server.Port, directory, key, []);

        Assert.Contains("Welcome to the ssh-mux test server", ssh.Output, StringComparison.Ordinal);
        Assert.Contains("Authenticated to 127.0.0.1", ssh.Output, StringComparison.Ordinal);
        await (await server.NextAsync(TimeSpan.FromSeconds(10))).Completion.WaitAsync(TimeSpan.FromSeconds(10), ct);
    });

    private Task<ClientRun> RunSshAsync(int port, TempDirectory directory, SshPrivateKey key, string[] extra)
    {
        var path = directory.File("id_" + key.KeyType);
        KeyFileWriter.WritePrivateKey(path, key, "sshmux-interop-user");
        return OpenSshClient.RunAsync(_run, port,
        [
            "IdentityFile=" + path,
            "IdentitiesOnly=yes",
            "PubkeyAuthentication=yes",
            "PasswordAuthentication=no",
            "KbdInteractiveAuthentication=no",
            .. extra,
        ]);
    }
}
