using SshMux.Interop.Tests.Harness;
using SshMux.Ssh;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.OpenSsh;

/// <summary>sshd offering nothing ssh-mux implements: the error must name both lists.</summary>
public class ClientVsSshdRefusalTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    /// <summary>sshd_config lines, what fails, a name from our offer and one from sshd's.</summary>
    public static TheoryData<string, string, string, string, string> Cases => new()
    {
        { "ssh-ed25519", "KexAlgorithms diffie-hellman-group14-sha1", "key exchange algorithm", "curve25519-sha256", "diffie-hellman-group14-sha1" },
        { "ssh-rsa", "HostKeyAlgorithms ssh-rsa", "host key algorithm", "rsa-sha2-512", "ssh-rsa" },
        { "ssh-ed25519", "Ciphers aes128-cbc", "cipher (client to server)", "aes256-gcm@openssh.com", "aes128-cbc" },
        { "ssh-ed25519", "Ciphers aes128-ctr\nMACs hmac-sha1", "MAC (client to server)", "hmac-sha2-256-etm@openssh.com", "hmac-sha1" },
    };

    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [MemberData(nameof(Cases))]
    public Task ErrorNamesBothLists(string hostKeyType, string sshdConfig, string what, string ours, string theirs) => _run.RunAsync(async ct =>
    {
        await using var sshd = _run.Track(await SshdInstance.StartAsync([hostKeyType], sshdConfig.Split('\n')));
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var client = await OurClient.ConnectAsync(sshd.Port, _run, null, ct);
        });

        InteropAssert.NamesBothLists(error, what, [ours], [theirs]);
        Assert.Equal(DisconnectReason.KeyExchangeFailed, ((SshException)error!).Reason);
        Assert.False(((SshException)error).FromPeer);

        // sshd reached the same verdict on its own.
        await sshd.Process.WaitForLineAsync(l => l.Contains("Unable to negotiate with 127.0.0.1", StringComparison.Ordinal)
            || l.Contains("no matching", StringComparison.OrdinalIgnoreCase), TimeSpan.FromSeconds(15), "sshd's negotiation failure");
    });
}
