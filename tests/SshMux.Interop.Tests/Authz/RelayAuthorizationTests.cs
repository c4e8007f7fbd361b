using System.Globalization;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Authz;

/// <summary>
/// The real ssh through `ssh-mux serve`, whose ssh-mux-authorized-keys decides with sshd's
/// semantics: certificates from a cert-authority line, expired certificates, and the session
/// restrictions the relay enforces (no-pty, no-port-forwarding, permitopen, command=). Each
/// refusal is paired with the same request allowed, on the same relay, after rewriting the
/// file (serve reads it on every attempt).
/// </summary>
public class RelayAuthorizationTests(AuthzRelayFixture fixture, ITestOutputHelper output) : IClassFixture<AuthzRelayFixture>
{
    private readonly InteropRun _run = new(output);

    private async Task<AuthzRelay> RelayAsync()
    {
        var relay = await fixture.GetAsync();
        relay.TrackIn(_run);
        return relay;
    }

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task UserCertificateFromACertAuthorityLineConnects() => _run.RunAsync(async _ =>
    {
        var relay = await RelayAsync();
        var ca = await relay.NewKeyAsync("ca_accept");
        var key = await relay.NewKeyAsync("user_cert_accept");
        await AuthzKeygen.SignAsync(ca, key, "cert-accept", AuthzRelay.User);
        var plain = await relay.NewKeyAsync("user_plain_accept");
        var stranger = await relay.NewKeyAsync("user_cert_stranger");
        await AuthzKeygen.SignAsync(ca, stranger, "cert-stranger", "someone-else");
        await relay.SetAuthorizedKeysAsync("cert-authority " + ca.PublicKeyLine);

        var mark = relay.ServeLogMark;
        var certified = await relay.SshAsync(key, "echo through-the-certificate");
        Assert.True(certified.ExitCode == 0, certified.Output);
        Assert.Contains("through-the-certificate", certified.Lines);
        await relay.WaitForServeLogAsync(mark, "certificate ID \"cert-accept\"", "accepted by cert-authority entry");

        // The key alone is not listed, and a certificate for another principal does not name the user.
        var uncertified = await relay.SshAsync(plain, "echo no");
        Assert.Equal(255, uncertified.ExitCode);
        Assert.Contains("Permission denied (publickey)", uncertified.Output, StringComparison.Ordinal);
        mark = relay.ServeLogMark;
        var otherPrincipal = await relay.SshAsync(stranger, "echo no");
        Assert.Equal(255, otherPrincipal.ExitCode);
        Assert.DoesNotContain("no", otherPrincipal.Lines);
        await relay.WaitForServeLogAsync(mark, "certificate ID \"cert-stranger\"", $"principal '{AuthzRelay.User}' not in certificate");
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task ExpiredCertificateIsRefused() => _run.RunAsync(async _ =>
    {
        var relay = await RelayAsync();
        var ca = await relay.NewKeyAsync("ca_expired");
        var key = await relay.NewKeyAsync("user_cert_expired");
        await AuthzKeygen.SignAsync(ca, key, "cert-expired", AuthzRelay.User, "20200101:20200102");
        var current = await relay.NewKeyAsync("user_cert_current");
        await AuthzKeygen.SignAsync(ca, current, "cert-current", AuthzRelay.User);
        await relay.SetAuthorizedKeysAsync("cert-authority " + ca.PublicKeyLine);

        var mark = relay.ServeLogMark;
        var expired = await relay.SshAsync(key, "echo should-not-run");
        Assert.Equal(255, expired.ExitCode);
        Assert.Contains("Permission denied (publickey)", expired.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("should-not-run", expired.Lines);
        await relay.WaitForServeLogAsync(mark, "certificate ID \"cert-expired\"", "certificate expired at 2020-01-02");

        var valid = await relay.SshAsync(current, "echo current-certificate");
        Assert.True(valid.ExitCode == 0, valid.Output);
        Assert.Contains("current-certificate", valid.Lines);
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task NoPtyKeyGetsNoPty() => _run.RunAsync(async _ =>
    {
        var relay = await RelayAsync();
        var key = await relay.NewKeyAsync("user_nopty");
        await relay.SetAuthorizedKeysAsync("no-pty " + key.PublicKeyLine);

        var mark = relay.ServeLogMark;
        // ssh -tt treats the refusal as fatal for the session (OpenSSH 8.7+), so tty never runs.
        var refused = await relay.SshAsync(key, "tty", "-tt");
        Assert.Contains("PTY allocation request failed", refused.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("/dev/pts/", refused.Output, StringComparison.Ordinal);
        await relay.WaitForServeLogAsync(mark, "Refused pty-req request", "no-pty");

        await relay.SetAuthorizedKeysAsync(key.PublicKeyLine);
        var allowed = await relay.SshAsync(key, "tty", "-tt");
        Assert.True(allowed.ExitCode == 0, allowed.Output);
        Assert.DoesNotContain("PTY allocation request failed", allowed.Output, StringComparison.Ordinal);
        Assert.Contains("/dev/pts/", allowed.Output, StringComparison.Ordinal);
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task NoPortForwardingRefusesStdioForwarding() => _run.RunAsync(async _ =>
    {
        var relay = await RelayAsync();
        var key = await relay.NewKeyAsync("user_nofwd");
        var target = "127.0.0.1:" + relay.Sshd.Port.ToString(CultureInfo.InvariantCulture);
        await relay.SetAuthorizedKeysAsync("no-port-forwarding " + key.PublicKeyLine);

        var mark = relay.ServeLogMark;
        var refused = await relay.SshAsync(key, null, "-W", target);
        Assert.Equal(255, refused.ExitCode);
        Assert.Contains("administratively prohibited", refused.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("SSH-2.0-", refused.Output, StringComparison.Ordinal);
        await relay.WaitForServeLogAsync(mark, "Refused direct-tcpip channel", "port forwarding is not allowed");

        // Without the option, -W reaches sshd's port through the relay and prints its banner.
        await relay.SetAuthorizedKeysAsync(key.PublicKeyLine);
        var allowed = await relay.SshAsync(key, null, "-W", target);
        Assert.Contains(allowed.Lines, l => l.StartsWith("SSH-2.0-OpenSSH", StringComparison.Ordinal));
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task PermitOpenLimitsTheTargets() => _run.RunAsync(async _ =>
    {
        var relay = await RelayAsync();
        var key = await relay.NewKeyAsync("user_permitopen");
        var port = relay.Sshd.Port.ToString(CultureInfo.InvariantCulture);
        await relay.SetAuthorizedKeysAsync($"permitopen=\"127.0.0.1:{port}\" " + key.PublicKeyLine);

        var listed = await relay.SshAsync(key, null, "-W", "127.0.0.1:" + port);
        Assert.Contains(listed.Lines, l => l.StartsWith("SSH-2.0-OpenSSH", StringComparison.Ordinal));

        var mark = relay.ServeLogMark;
        var otherPort = await relay.SshAsync(key, null, "-W", "127.0.0.1:9");
        Assert.Equal(255, otherPort.ExitCode);
        Assert.Contains("administratively prohibited", otherPort.Output, StringComparison.Ordinal);
        await relay.WaitForServeLogAsync(mark, "127.0.0.1:9 is not a permitopen target");

        // permitopen hosts are compared as written (channels.c open_match), not resolved.
        var otherName = await relay.SshAsync(key, null, "-W", "localhost:" + port);
        Assert.Equal(255, otherName.ExitCode);
        Assert.Contains("administratively prohibited", otherName.Output, StringComparison.Ordinal);
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task ForcedCommandRunsInsteadOfTheRequestedOne() => _run.RunAsync(async _ =>
    {
        var relay = await RelayAsync();
        var key = await relay.NewKeyAsync("user_forced");
        await relay.SetAuthorizedKeysAsync("command=\"echo forced\" " + key.PublicKeyLine);

        var mark = relay.ServeLogMark;
        var forced = await relay.SshAsync(key, "echo requested");
        Assert.True(forced.ExitCode == 0, forced.Output);
        Assert.Contains("forced", forced.Lines);
        Assert.DoesNotContain("requested", forced.Lines);
        await relay.WaitForServeLogAsync(mark, "forced command \"echo forced\" runs instead of the client's exec request");

        // This upstream's AcceptEnv does not list SSH_ORIGINAL_COMMAND: serve says so and runs the command anyway.
        await relay.WaitForServeLogAsync(mark, "the upstream refused SSH_ORIGINAL_COMMAND");

        await relay.SetAuthorizedKeysAsync(key.PublicKeyLine);
        var free = await relay.SshAsync(key, "echo requested");
        Assert.Contains("requested", free.Lines);
        Assert.DoesNotContain("forced", free.Lines);
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task CertificateForceCommandAndMissingPermitPtyApply() => _run.RunAsync(async _ =>
    {
        var relay = await RelayAsync();
        var ca = await relay.NewKeyAsync("ca_forced");
        var key = await relay.NewKeyAsync("user_cert_forced");
        await AuthzKeygen.SignAsync(ca, key, "cert-forced", AuthzRelay.User, "-5m:+1h", "force-command=echo cert-forced", "no-pty");
        var open = await relay.NewKeyAsync("user_cert_open");
        await AuthzKeygen.SignAsync(ca, open, "cert-open", AuthzRelay.User);
        await relay.SetAuthorizedKeysAsync("cert-authority " + ca.PublicKeyLine);

        var forced = await relay.SshAsync(key, "echo requested");
        Assert.Contains("cert-forced", forced.Lines);
        Assert.DoesNotContain("requested", forced.Lines);
        var noPty = await relay.SshAsync(key, "tty", "-tt");
        Assert.Contains("PTY allocation request failed", noPty.Output, StringComparison.Ordinal);

        var free = await relay.SshAsync(open, "echo requested");
        Assert.Contains("requested", free.Lines);
        var pty = await relay.SshAsync(open, "tty", "-tt");
        Assert.DoesNotContain("PTY allocation request failed", pty.Output, StringComparison.Ordinal);
        Assert.Contains("/dev/pts/", pty.Output, StringComparison.Ordinal);
    });
}
