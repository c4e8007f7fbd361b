using SshMux.Interop.Tests.Harness;
using SshMux.Ssh;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Dropbear;

public class ClientVsDropbearKexTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Dropbear, Peers.DropbearKey)]
    [MemberData(nameof(InteropAlgorithms.DropbearKexData), MemberType = typeof(InteropAlgorithms))]
    public Task KeyExchange(string kex) => _run.RunAsync(ct =>
        ClientVsDropbear.HandshakeAsync(_run, new Expected(Kex: kex), "ssh-ed25519", o => o.KeyExchangeAlgorithms = [kex], ct));

    [PeerTheory(Peers.Dropbear, Peers.DropbearKey)]
    [MemberData(nameof(InteropAlgorithms.DropbearHostKeyData), MemberType = typeof(InteropAlgorithms))]
    public Task HostKey(string algorithm) => _run.RunAsync(ct =>
        ClientVsDropbear.HandshakeAsync(_run, new Expected(HostKey: algorithm), OurHostKeys.KeyTypeOf(algorithm), o =>
        {
            o.HostKeyAlgorithms = [algorithm];
            o.EnableSshRsaSha1 = algorithm == "ssh-rsa";
        }, ct));
}

public class ClientVsDropbearCipherTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Dropbear, Peers.DropbearKey)]
    [MemberData(nameof(InteropAlgorithms.DropbearCipherData), MemberType = typeof(InteropAlgorithms))]
    public Task Cipher(string cipher) => _run.RunAsync(ct =>
        ClientVsDropbear.HandshakeAsync(_run, new Expected(Cipher: cipher), "ssh-ed25519", o => o.Ciphers = [cipher], ct));

    [PeerTheory(Peers.Dropbear, Peers.DropbearKey)]
    [MemberData(nameof(InteropAlgorithms.DropbearCipherMacData), MemberType = typeof(InteropAlgorithms))]
    public Task CipherAndMac(string cipher, string mac) => _run.RunAsync(ct =>
        ClientVsDropbear.HandshakeAsync(_run, new Expected(Cipher: cipher, Mac: mac), "ssh-ed25519", o =>
        {
            o.Ciphers = [cipher];
            o.Macs = [mac];
        }, ct));

    /// <summary>
    /// aes256-ctr with hmac-sha2-512: Debian 12's dropbear has no hmac-sha2-512, and then the
    /// refusal must name both lists. Decided from what dropbear offers, so a dropbear that
    /// gains it must negotiate it.
    /// </summary>
    [PeerFact(Peers.Dropbear, Peers.DropbearKey)]
    public Task Aes256CtrWithHmacSha2512() => _run.RunAsync(async ct =>
    {
        await using var dropbear = _run.Track(await DropbearInstance.StartAsync("ssh-ed25519"));
        OurClient? client = null;
        var error = await Record.ExceptionAsync(async () => client = await OurClient.ConnectAsync(dropbear.Port, _run, o =>
        {
            o.Ciphers = ["aes256-ctr"];
            o.Macs = ["hmac-sha2-512"];
        }, ct));
        if (client is not null)
        {
            await using (client)
            {
                await client.Transport.RequestServiceAsync("ssh-userauth", ct);
                InteropAssert.Negotiated(new Expected(Cipher: "aes256-ctr", Mac: "hmac-sha2-512"), client.Transport.Negotiated);
                Assert.Contains("hmac-sha2-512", client.Transport.PeerKexInit!.MacClientToServer);
            }

            return;
        }

        InteropAssert.NamesBothLists(error, "MAC (client to server)", ["hmac-sha2-512"], ["hmac-sha2-256"]);
        var theirs = error!.Message[error.Message.IndexOf("server offered: ", StringComparison.Ordinal)..];
        Assert.DoesNotContain("hmac-sha2-512", theirs, StringComparison.Ordinal);
        Assert.Equal(DisconnectReason.KeyExchangeFailed, ((SshException)error).Reason);
    });
}

/// <summary>
/// Re-keys with dropbear before authentication (dropbear allows them, unlike OpenSSH). The
/// stream is paced by repeating the ssh-userauth service request, which dropbear answers
/// again and which waits out a key exchange like any post-kex message.
/// </summary>
public class ClientVsDropbearRekeyTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Dropbear, Peers.DropbearKey)]
    [InlineData("chacha20-poly1305@openssh.com")]
    [InlineData("aes128-ctr")]
    public Task RekeysByDataLimitInTheMiddleOfAStream(string cipher) => _run.RunAsync(async ct =>
    {
        var (dropbear, client) = await ClientVsDropbear.ConnectAsync(_run, "ssh-ed25519", o =>
        {
            o.Ciphers = [cipher];
            o.RekeyBytes = 32 * 1024;
        }, ct);
        await using (dropbear)
        await using (client)
        {
            var transport = client.Transport;
            const long total = 1024 * 1024;
            const int burst = 64 * 1024;
            await UpperLayerProbe.StreamIgnoreAsync(transport, total, burst, () => transport.RequestServiceAsync("ssh-userauth", ct), ct);
            // IGNORE goes on during an exchange, and how much is in flight when each one starts
            // depends on scheduling, so not every 32 KiB starts a new one: ask for an eighth.
            Assert.True(transport.KeyExchangeCount >= total / (8 * 32 * 1024), $"Expected repeated re-keys while streaming, got {transport.KeyExchangeCount} key exchanges for {total} bytes");
            Assert.Equal(cipher, transport.Negotiated!.CipherClientToServer);
            Assert.Contains("password", await UpperLayerProbe.AuthNoneAsync(transport, ct), StringComparison.Ordinal);
        }
    });

    [PeerFact(Peers.Dropbear, Peers.DropbearKey)]
    public Task RekeyAsyncWhileStreaming() => _run.RunAsync(async ct =>
    {
        var (dropbear, client) = await ClientVsDropbear.ConnectAsync(_run, "ssh-ed25519", _ => { }, ct);
        await using (dropbear)
        await using (client)
        {
            var transport = client.Transport;
            var stream = Task.Run(() => UpperLayerProbe.StreamIgnoreAsync(transport, 1024 * 1024, 64 * 1024, () => transport.RequestServiceAsync("ssh-userauth", ct), ct), ct);
            await transport.RekeyAsync(ct);
            await transport.RekeyAsync(ct);
            await stream;
            Assert.Equal(3, transport.KeyExchangeCount);
            Assert.Contains("password", await UpperLayerProbe.AuthNoneAsync(transport, ct), StringComparison.Ordinal);
        }
    });
}
