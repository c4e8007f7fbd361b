using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.OpenSsh;

/// <summary>
/// Key re-exchange with sshd in the middle of a stream of messages. OpenSSH never starts a
/// re-key itself before authentication (packet.c ssh_packet_need_rekeying: "client can't cope
/// with rekeying pre-auth"), so sshd's RekeyLimit has no effect here and every re-key is
/// started by ssh-mux: by its own byte limit or by RekeyAsync. sshd must follow each one.
/// </summary>
public class ClientVsSshdRekeyTests(ITestOutputHelper output)
{
    private const int RekeyLimit = 32 * 1024;
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [MemberData(nameof(InteropAlgorithms.RekeyCipherData), MemberType = typeof(InteropAlgorithms))]
    public Task RekeysByDataLimitInTheMiddleOfAStream(string cipher, string mac) => _run.RunAsync(async ct =>
    {
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], "RekeyLimit 32K", "Ciphers " + cipher, "MACs " + mac));
        await using var client = await OurClient.ConnectAsync(sshd.Port, _run, o => o.RekeyBytes = RekeyLimit, ct);
        var transport = client.Transport;

        // 2 MB of SSH_MSG_IGNORE in 8 KB messages: a re-key every few messages.
        const long total = 2L * 1024 * 1024;
        await UpperLayerProbe.StreamIgnoreAsync(transport, total, 8 * 1024, ct);
        await transport.RequestServiceAsync("ssh-userauth", ct);

        var exchanges = transport.KeyExchangeCount;
        _run.Note($"{exchanges} key exchanges after {total} bytes");
        Assert.True(exchanges > total / RekeyLimit / 2, $"Expected a re-key about every {RekeyLimit} bytes, got {exchanges} key exchanges for {total} bytes");
        InteropAssert.Negotiated(new Expected(Cipher: cipher, Mac: mac), transport.Negotiated);

        // sshd logs every key exchange it took part in, the first included.
        var log = await sshd.WaitForKexLogAsync(exchanges);
        Assert.Equal(exchanges, log.KeyExchanges);
        Assert.Contains("password", await UpperLayerProbe.AuthNoneAsync(transport, ct), StringComparison.Ordinal);
        Assert.False(transport.IsClosed);
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task RekeyAsyncWhileStreaming() => _run.RunAsync(async ct =>
    {
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], "RekeyLimit 32K"));
        await using var client = await OurClient.ConnectAsync(sshd.Port, _run, null, ct);
        var transport = client.Transport;
        var first = transport.SessionId.ToArray();

        var stream = Task.Run(() => UpperLayerProbe.StreamIgnoreAsync(transport, 4L * 1024 * 1024, 16 * 1024, ct), ct);
        for (var i = 0; i < 3; i++)
        {
            await transport.RekeyAsync(ct);
        }

        await stream;
        Assert.Equal(4, transport.KeyExchangeCount);

        // The session identifier is H of the first exchange for the life of the connection (RFC 4253 section 7.2).
        Assert.Equal(first, transport.SessionId.ToArray());
        await transport.RequestServiceAsync("ssh-userauth", ct);
        var log = await sshd.WaitForKexLogAsync(4);
        Assert.Equal(4, log.KeyExchanges);
        Assert.Contains("password", await UpperLayerProbe.AuthNoneAsync(transport, ct), StringComparison.Ordinal);
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task RekeyAsyncAfterServiceAccept() => _run.RunAsync(async ct =>
    {
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], "KexAlgorithms ecdh-sha2-nistp256"));
        await using var client = await OurClient.ConnectAsync(sshd.Port, _run, null, ct);
        var transport = client.Transport;
        await transport.RequestServiceAsync("ssh-userauth", ct);
        await transport.RekeyAsync(ct);
        Assert.Equal(2, transport.KeyExchangeCount);
        Assert.Equal("ecdh-sha2-nistp256", transport.Negotiated!.KeyExchange);
        Assert.Contains("password", await UpperLayerProbe.AuthNoneAsync(transport, ct), StringComparison.Ordinal);

        // Strict kex resets sequence numbers at every NEWKEYS; sshd checks the MACs that depend on them.
        Assert.Equal(2, (await sshd.WaitForKexLogAsync(2)).KeyExchanges);
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
    });
}
