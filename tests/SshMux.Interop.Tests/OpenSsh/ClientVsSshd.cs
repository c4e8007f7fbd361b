using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Transport;

namespace SshMux.Interop.Tests.OpenSsh;

/// <summary>ssh-mux's client against a real sshd restricted to the algorithm under test.</summary>
internal static class ClientVsSshd
{
    /// <summary>
    /// Starts sshd with one host key and the given sshd_config lines, connects, requests
    /// ssh-userauth and checks the negotiation from both sides: our Negotiated, sshd's log,
    /// strict kex and the host key (against the key file sshd was given).
    /// </summary>
    public static async Task HandshakeAsync(InteropRun run, Expected expected, string hostKeyType, string[] sshdConfig, Action<SshClientOptions>? configure, CancellationToken ct)
    {
        await using var sshd = run.Track(await SshdInstance.StartAsync([hostKeyType], sshdConfig));
        await using var client = await OurClient.ConnectAsync(sshd.Port, run, configure, ct);
        var transport = client.Transport;
        await transport.RequestServiceAsync("ssh-userauth", ct);

        InteropAssert.Negotiated(expected, transport.Negotiated);
        InteropAssert.StrictKexAsPeerOffered(transport);
        Assert.Equal(1, transport.KeyExchangeCount);

        var hostKey = sshd.HostKeys[0];
        Assert.NotNull(transport.HostKey);
        Assert.Equal(hostKey.PublicBlob, transport.HostKey.Blob.ToArray());
        Assert.Equal(hostKey.PublicBlob, client.Verified.HostKey.Blob.ToArray());
        Assert.Equal(transport.Negotiated!.HostKey, client.Verified.Algorithm);
        Assert.Equal(transport.RemoteVersion, client.Verified.ServerVersion);
        Assert.StartsWith("SSH-2.0-OpenSSH_", transport.RemoteVersion, StringComparison.Ordinal);

        var log = await sshd.WaitForKexLogAsync();
        InteropAssert.SameAsOpenSsh(transport.Negotiated, log);
        Assert.Equal(transport.IsStrictKex, log.StrictKex);
    }

    /// <summary>Client options offering only the host key algorithm under test (ssh-rsa is opt-in).</summary>
    public static Action<SshClientOptions>? ForHostKey(string algorithm) =>
        algorithm == "ssh-rsa" ? o => o.EnableSshRsaSha1 = true : null;
}
