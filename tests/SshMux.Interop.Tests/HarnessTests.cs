using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests;

/// <summary>
/// The harness checked against the peers alone, without ssh-mux: the servers start on their
/// ports with the keys we made, and the OpenSSH log parser reads real output.
/// </summary>
public class HarnessTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerFact(Peers.Sshd, Peers.SshKeygen, Peers.Ssh)]
    public Task SshdServesRealSsh() => _run.RunAsync(async _ =>
    {
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ecdsa-sha2-nistp384"], "KexAlgorithms ecdh-sha2-nistp521", "Ciphers aes192-ctr", "MACs hmac-sha2-512-etm@openssh.com"));
        var ssh = await OpenSshClient.RunAsync(_run, sshd.Port);
        Assert.Equal(255, ssh.ExitCode);
        Assert.Contains("Permission denied", ssh.Output, StringComparison.Ordinal);

        var client = ssh.KexLog;
        Assert.Equal("ecdh-sha2-nistp521", client.KeyExchange);
        Assert.Equal("ecdsa-sha2-nistp384", client.HostKeyAlgorithm);
        Assert.Equal("aes192-ctr", client.CipherClientToServer);
        Assert.Equal("aes192-ctr", client.CipherServerToClient);
        Assert.Equal("hmac-sha2-512-etm@openssh.com", client.MacClientToServer);
        Assert.Equal("hmac-sha2-512-etm@openssh.com", client.MacServerToClient);
        Assert.True(client.ServiceAccepted);
        Assert.True(client.StrictKex);
        Assert.Equal(1, client.KeyExchanges);
        Assert.NotNull(client.ServerSigAlgs);
        Assert.Equal("ecdsa-sha2-nistp384 " + OurHostKeys.Fingerprint(sshd.HostKeys[0].PublicBlob), client.ServerHostKey);

        var server = await sshd.WaitForKexLogAsync();
        Assert.Equal(client with { ServerHostKey = null, ServiceAccepted = false, ServerSigAlgs = null }, server);
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen, Peers.Ssh)]
    public Task ParsesAeadCipherAsImplicitMac() => _run.RunAsync(async _ =>
    {
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], "Ciphers chacha20-poly1305@openssh.com"));
        var ssh = await OpenSshClient.RunAsync(_run, sshd.Port);
        Assert.Equal("chacha20-poly1305@openssh.com", ssh.KexLog.CipherServerToClient);
        Assert.Equal(OpenSshKexLog.ImplicitMac, ssh.KexLog.MacServerToClient);
        Assert.Equal(OpenSshKexLog.ImplicitMac, (await sshd.WaitForKexLogAsync()).MacClientToServer);
    });

    [PeerFact(Peers.Dropbear, Peers.DropbearKey, Peers.Ssh)]
    public Task DropbearServesRealSsh() => _run.RunAsync(async _ =>
    {
        await using var dropbear = _run.Track(await DropbearInstance.StartAsync("ecdsa-sha2-nistp256"));
        var ssh = await OpenSshClient.RunAsync(_run, dropbear.Port, "KexAlgorithms=diffie-hellman-group14-sha256", "Ciphers=aes256-ctr", "MACs=hmac-sha2-256");
        Assert.Contains("Permission denied", ssh.Output, StringComparison.Ordinal);
        var log = ssh.KexLog;
        Assert.Equal("diffie-hellman-group14-sha256", log.KeyExchange);
        Assert.Equal("ecdsa-sha2-nistp256", log.HostKeyAlgorithm);
        Assert.Equal("aes256-ctr", log.CipherClientToServer);
        Assert.Equal("hmac-sha2-256", log.MacServerToClient);
        Assert.True(log.ServiceAccepted);
        Assert.Equal("ecdsa-sha2-nistp256 " + OurHostKeys.Fingerprint(dropbear.HostKeys[0].PublicBlob), log.ServerHostKey);
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task DisposeKillsSshd() => _run.RunAsync(async _ =>
    {
        var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"]));
        var process = System.Diagnostics.Process.GetProcessById(sshd.Process.Id);
        await sshd.DisposeAsync();
        Assert.True(process.WaitForExit(5000), "sshd still runs after dispose");
        using var probe = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync(System.Net.IPAddress.Loopback, sshd.Port));
    });
}
