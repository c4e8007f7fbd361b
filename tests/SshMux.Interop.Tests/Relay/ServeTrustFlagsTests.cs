using SshMux.Interop.Tests.Authz;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Relay;

/// <summary>
/// serve's --trusted-user-ca-keys (sshd's TrustedUserCAKeys) with certificates made by
/// `ssh-keygen -s` and presented by the real ssh, and --permit-user-environment (sshd's
/// PermitUserEnvironment) with an environment= option in ssh-mux-authorized-keys.
/// </summary>
[Collection(RelayTestGroup.Name)]
public class ServeTrustFlagsTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task CertificatesFromTrustedCasAreAcceptedForTheirPrincipals() => _run.RunAsync(async ct =>
    {
        using var keys = new TempDirectory("sshmux-ca-");
        var ca = await AuthzKeygen.GenerateAsync(keys.File("ca"));
        var otherCa = await AuthzKeygen.GenerateAsync(keys.File("other_ca"));
        var caFile = keys.File("trusted_user_ca_keys");
        await File.WriteAllTextAsync(caFile, $"# the CA serve trusts\n\n{ca.PublicKeyLine}\n", ct);

        await using var rig = await RelayRig.StartAsync(_run, new RelayRigOptions { ServeArguments = ["--trusted-user-ca-keys", caFile] });
        Assert.Contains(rig.Serve.Process.Lines, l => l.Contains("Accepting user certificates signed by " + Fingerprints.Sha256(ca.PublicKey.Blob.Span), StringComparison.Ordinal));

        // Signed by the trusted CA for this user: in, although the key is in no authorized keys file.
        var good = await AuthzKeygen.GenerateAsync(keys.File("good"));
        await AuthzKeygen.SignAsync(ca, good, "good-cert", RelayRig.User);
        var accepted = await rig.RunClientAsync(Peers.Ssh, rig.SshArguments("echo cert-accepted", identity: good.PrivateKeyPath));
        Assert.True(accepted.ExitCode == 0 && accepted.StdoutText == "cert-accepted\n", accepted.ToString());

        // The principals do not name this user; another CA signed it; the bare key without its certificate.
        var stranger = await AuthzKeygen.GenerateAsync(keys.File("stranger"));
        await AuthzKeygen.SignAsync(ca, stranger, "stranger-cert", "somebody-else");
        var forged = await AuthzKeygen.GenerateAsync(keys.File("forged"));
        await AuthzKeygen.SignAsync(otherCa, forged, "forged-cert", RelayRig.User);
        var bare = await AuthzKeygen.GenerateAsync(keys.File("bare"));
        foreach (var refused in new[] { stranger, forged, bare })
        {
            var result = await rig.RunClientAsync(Peers.Ssh, rig.SshArguments("echo should-not-run", identity: refused.PrivateKeyPath));
            Assert.True(result.ExitCode == 255 && result.StderrText.Contains("Permission denied", StringComparison.Ordinal), $"{Path.GetFileName(refused.PrivateKeyPath)}: {result}");
        }

        Assert.Contains(rig.Serve.Process.Lines, l => l.Contains($"principal '{RelayRig.User}' not in certificate", StringComparison.Ordinal));

        // The key the rig put in ssh-mux-authorized-keys still works beside the CA.
        var plain = await rig.SshAsync("echo key-accepted");
        Assert.True(plain.ExitCode == 0 && plain.StdoutText == "key-accepted\n", plain.ToString());
    });

    [PeerTheory(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    [InlineData(true)]
    [InlineData(false)]
    public Task EnvironmentOptionsNeedPermitUserEnvironment(bool permit) => _run.RunAsync(async ct =>
    {
        await using var rig = await RelayRig.StartAsync(_run, new RelayRigOptions { ServeArguments = permit ? ["--permit-user-environment"] : [] });
        await File.WriteAllTextAsync(Path.Combine(rig.Serve.SshDirectory, "ssh-mux-authorized-keys"), $"environment=\"SSHMUX_FROM_KEY=set-by-key\" {rig.ClientKey.PublicKeyLine}\n", ct);

        var result = await rig.SshAsync("echo \"value=$SSHMUX_FROM_KEY\"");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(permit ? "value=set-by-key\n" : "value=\n", result.StdoutText);
    });

    /// <summary>A CA file that is missing, empty or has a line that is not a key stops serve before it listens, naming the problem.</summary>
    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [InlineData("missing", "cannot read")]
    [InlineData("", "holds no CA public key")]
    [InlineData("ssh-ed25519 not-base64!\n", "line 1")]
    public Task BadCaFilesAreRefusedClearly(string content, string expected) => _run.RunAsync(async ct =>
    {
        using var work = new TempDirectory("sshmux-ca-");
        var caFile = work.File("trusted_user_ca_keys");
        if (content != "missing")
        {
            await File.WriteAllTextAsync(caFile, content, ct);
        }

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : Peers.Find("dotnet") ?? "dotnet";
        var result = await PipedProcess.RunAsync("ssh-mux serve", dotnet,
            [ServeInstance.DllPath, "serve", "--remote", "127.0.0.1:1", "-u", "nobody", "-p", "0", "--trusted-user-ca-keys", caFile], null, TimeSpan.FromSeconds(60),
            new Dictionary<string, string?> { ["HOME"] = work.Path });
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--trusted-user-ca-keys: ", result.StderrText, StringComparison.Ordinal);
        Assert.Contains(expected, result.StderrText, StringComparison.Ordinal);
        Assert.Contains(caFile, result.StderrText, StringComparison.Ordinal);
    });
}
