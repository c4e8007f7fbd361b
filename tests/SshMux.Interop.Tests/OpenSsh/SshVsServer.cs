using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Transport;

namespace SshMux.Interop.Tests.OpenSsh;

/// <summary>The real ssh client against ssh-mux's server, ssh restricted to the algorithm under test.</summary>
internal static class SshVsServer
{
    /// <summary>
    /// Runs ssh -vvv with the given -o options against our server and checks what ssh's debug
    /// output says against the expectation and against our server's Negotiated. ssh gets
    /// through the service request and ends with "Permission denied" (no auth layer yet).
    /// </summary>
    public static async Task HandshakeAsync(InteropRun run, Expected expected, Action<SshServerOptions>? configure, CancellationToken ct, params string[] sshOptions)
    {
        SshServerOptions? used = null;
        await using var server = OurServer.Start(run, o =>
        {
            configure?.Invoke(o);
            used = o;
        });
        var ssh = await OpenSshClient.RunAsync(run, server.Port, sshOptions);
        var connection = await server.NextConnectionAsync(TimeSpan.FromSeconds(10));
        Assert.Null(connection.Error);
        var transport = connection.Transport!;

        var log = ssh.KexLog;
        Assert.True(log.ServiceAccepted, "ssh did not log SSH2_MSG_SERVICE_ACCEPT");
        Assert.Contains("Permission denied", ssh.Output, StringComparison.Ordinal);
        Assert.Equal(255, ssh.ExitCode);
        Assert.Equal(1, log.KeyExchanges);

        InteropAssert.Negotiated(expected, transport.Negotiated);
        InteropAssert.SameAsOpenSsh(transport.Negotiated, log);
        InteropAssert.StrictKexAsPeerOffered(transport);
        Assert.Equal(transport.IsStrictKex, log.StrictKex);

        // The key ssh saw is the one our server holds for the negotiated algorithm.
        var keyType = AlgorithmRegistry.FindHostKey(transport.Negotiated!.HostKey)!.KeyType;
        var ours = used!.HostKeys.Single(k => k.PublicKey.KeyType == keyType).PublicKey.Blob;
        Assert.Equal(ours.ToArray(), transport.HostKey!.Blob.ToArray());
        Assert.Equal($"{keyType} {OurHostKeys.Fingerprint(ours.Span)}", log.ServerHostKey);

        // ssh sends ext-info-c, so it got our server-sig-algs (RFC 8308 section 3.1).
        Assert.Equal(string.Join(',', used.ServerSignatureAlgorithms), log.ServerSigAlgs);
    }

    /// <summary>Our server with a key of every type, offering every host key algorithm it implements.</summary>
    public static void AllHostKeys(SshServerOptions options)
    {
        options.HostKeys = [.. OurHostKeys.AllKeyTypes.Select(OurHostKeys.Get)];
        options.HostKeyAlgorithms = [.. AlgorithmRegistry.HostKeys.Select(h => h.Name)];
    }
}
