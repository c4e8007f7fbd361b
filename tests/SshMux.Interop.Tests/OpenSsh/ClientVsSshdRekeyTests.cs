using SshMux.Interop.Tests.Harness;
using SshMux.Ssh;
using SshMux.Ssh.Keys;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.OpenSsh;

/// <summary>
/// Key re-exchange with sshd in the middle of a stream of messages. OpenSSH neither starts
/// nor accepts a re-key before authentication (packet.c ssh_packet_need_rekeying: "client
/// can't cope with rekeying pre-auth"; sshd's pre-auth dispatch table answers KEXINIT with
/// SSH_MSG_UNIMPLEMENTED), so these tests sign in with a throwaway key first.
/// </summary>
public class ClientVsSshdRekeyTests(ITestOutputHelper output)
{
    private const int RekeyLimit = 32 * 1024;
    private const long StreamBytes = 2L * 1024 * 1024;
    private const int BurstBytes = 64 * 1024;
    private readonly InteropRun _run = new(output);

    /// <summary>One of each packet protection family; "sshd" or "client" starts the re-keys.</summary>
    public static TheoryData<string, string, string> Cases => new()
    {
        { "chacha20-poly1305@openssh.com", "hmac-sha2-256-etm@openssh.com", "sshd" },
        { "aes256-gcm@openssh.com", "hmac-sha2-256-etm@openssh.com", "sshd" },
        { "aes128-ctr", "hmac-sha2-256-etm@openssh.com", "sshd" },
        { "aes256-ctr", "hmac-sha2-512", "sshd" },
        { "chacha20-poly1305@openssh.com", "hmac-sha2-256-etm@openssh.com", "client" },
        { "aes192-ctr", "hmac-sha2-512-etm@openssh.com", "client" },
    };

    /// <summary>
    /// "sshd": sshd_config RekeyLimit 32K, ssh-mux at its 1 GiB default, so every re-key is
    /// sshd's and ssh-mux must answer it mid-stream. "client": the other way round.
    /// </summary>
    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [MemberData(nameof(Cases))]
    public Task RekeysByDataLimitInTheMiddleOfAStream(string cipher, string mac, string initiator) => _run.RunAsync(async ct =>
    {
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        string[] config = initiator == "sshd" ? ["RekeyLimit 32K", "Ciphers " + cipher, "MACs " + mac] : ["Ciphers " + cipher, "MACs " + mac];
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], key.PublicKey, config));
        await using var client = await OurClient.ConnectAsync(sshd.Port, _run, o =>
        {
            if (initiator == "client")
            {
                o.RekeyBytes = RekeyLimit;
            }
        }, ct);
        var transport = client.Transport;
        await PublicKeyAuth.AuthenticateAsync(transport, Environment.UserName, key, ct);

        await UpperLayerProbe.StreamIgnoreAsync(transport, StreamBytes, BurstBytes, () => UpperLayerProbe.KeepAliveAsync(transport, ct), ct);

        // The round trip waits out any exchange the last burst started, so the count is final.
        await UpperLayerProbe.KeepAliveAsync(transport, ct);
        var exchanges = transport.KeyExchangeCount;
        _run.Note($"{exchanges} key exchanges over {StreamBytes} bytes");

        // Re-keys all along the stream. The one who starts a re-key keeps sending IGNORE until
        // the exchange completes, so not every 32 KiB starts a new one: ask for a quarter.
        Assert.True(exchanges >= StreamBytes / (8 * RekeyLimit), $"Expected repeated re-keys (one per {RekeyLimit} bytes at best), got {exchanges} key exchanges for {StreamBytes} bytes");
        InteropAssert.Negotiated(new Expected(Cipher: cipher, Mac: mac), transport.Negotiated);
        Assert.False(transport.IsClosed);

        // sshd logged every key exchange it took part in, the first included.
        var log = await sshd.WaitForKexLogAsync(exchanges);
        Assert.Equal(exchanges, log.KeyExchanges);
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task RekeyAsyncWhileStreaming() => _run.RunAsync(async ct =>
    {
        using var key = SshPrivateKey.Generate("ecdsa-sha2-nistp256");
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], key.PublicKey, "KexAlgorithms ecdh-sha2-nistp384"));
        await using var client = await OurClient.ConnectAsync(sshd.Port, _run, null, ct);
        var transport = client.Transport;
        var sessionId = transport.SessionId.ToArray();
        await PublicKeyAuth.AuthenticateAsync(transport, Environment.UserName, key, ct);

        var stream = Task.Run(() => UpperLayerProbe.StreamIgnoreAsync(transport, StreamBytes, BurstBytes, () => UpperLayerProbe.KeepAliveAsync(transport, ct), ct), ct);
        for (var i = 0; i < 3; i++)
        {
            await transport.RekeyAsync(ct);
        }

        await stream;
        Assert.Equal(4, transport.KeyExchangeCount);
        Assert.Equal("ecdh-sha2-nistp384", transport.Negotiated!.KeyExchange);

        // The session identifier stays H of the first exchange (RFC 4253 section 7.2).
        Assert.Equal(sessionId, transport.SessionId.ToArray());
        await UpperLayerProbe.KeepAliveAsync(transport, ct);
        Assert.Equal(4, (await sshd.WaitForKexLogAsync(4)).KeyExchanges);
    });

    /// <summary>
    /// Before authentication sshd answers a KEXINIT with SSH_MSG_UNIMPLEMENTED and never
    /// completes the exchange: RekeyAsync must fail at once, naming the refusal, rather than
    /// stall every sender until the re-key timeout.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task RekeyAsyncBeforeAuthenticationIsBounded() => _run.RunAsync(async ct =>
    {
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"]));
        await using var client = await OurClient.ConnectAsync(sshd.Port, _run, null, ct);
        var transport = client.Transport;
        await transport.RequestServiceAsync("ssh-userauth", ct);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<SshException>(() => transport.RekeyAsync(ct));
        Assert.Contains("refused key re-exchange", ex.Message, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"RekeyAsync took {started.Elapsed}");
        await transport.Completion.WaitAsync(TimeSpan.FromSeconds(10), ct);
        await sshd.Process.WaitForLineAsync(l => l.Contains("dispatch_protocol_error: type 20", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "sshd refusing the pre-auth KEXINIT");
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task ServerSigAlgsFromExtInfo() => _run.RunAsync(async ct =>
    {
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"]));
        await using var client = await OurClient.ConnectAsync(sshd.Port, _run, null, ct);
        await client.Transport.RequestServiceAsync("ssh-userauth", ct);

        // We send ext-info-c, so sshd's SSH_MSG_EXT_INFO follows its NEWKEYS (RFC 8308 section 2.4).
        var algorithms = client.Transport.ServerSignatureAlgorithms;
        Assert.NotNull(algorithms);
        Assert.Contains("rsa-sha2-256", algorithms);
        Assert.Contains("rsa-sha2-512", algorithms);
        Assert.Contains("ssh-ed25519", algorithms);

        // And the connection carries authentication traffic: sshd lists what it offers.
        Assert.Contains("password", await UpperLayerProbe.AuthNoneAsync(client.Transport, ct), StringComparison.Ordinal);
    });
}
