using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>
/// Dropbear's client through `ssh-mux serve` to a real sshd, signing in with the key converted
/// by dropbearconvert. dbclient's HOME is a private directory whose .ssh/known_hosts lists
/// serve's host key under the bare host name (Dropbear 2022.83 writes no [host]:port form), so
/// dbclient checks the key and prints nothing about it on stderr; -y would accept an unknown
/// key but not a different one.
/// </summary>
public class DbclientThroughServeTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    /// <summary>
    /// Output on both streams, then the exit code. dbclient sends its "none" USERAUTH_REQUEST
    /// right behind SERVICE_REQUEST without waiting for SERVICE_ACCEPT (Dropbear cli-session.c),
    /// so it meets serve before its authentication layer is attached on most connections
    /// (dbclient then says "No auth methods could be used", or "Disconnect received" and exits
    /// 0). The background sleep keeps the command's output open a moment, so that sshd sends
    /// exit-status before EOF: the other order is <see cref="DbclientGetsAnExitStatusThatComesAfterEof"/>.
    /// </summary>
    [OtherPeerTheory(Peers.Sshd, Peers.SshKeygen, Peers.DbClient, PeerPrograms.DropbearConvert)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(44)]
    public Task DbclientExecKeepsStderrApartAndReturnsTheExitCode(int code) => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(Peers.DbClient, PeerPrograms.DropbearConvert);
        await using var relay = await MuxRelay.StartAsync(_run);
        var result = await DbclientAsync(relay, relay.ClientKey, relay.Port, relay.HostKeyBlob, $"echo to-stdout; echo to-stderr >&2; (sleep 0.3 &); exit {code}");
        Assert.True(code == result.ExitCode && result.StdoutText == "to-stdout\n" && result.StderrText == "to-stderr\n", $"Expected exit {code}, stdout \"to-stdout\\n\", stderr \"to-stderr\\n\"; got {result}");
    });

    /// <summary>
    /// The exit-status that sshd sends after EOF (a command that closes its output before it
    /// exits) is lost through serve, as for plink (see
    /// PuttyThroughServeTests.PlinkGetsAnExitStatusThatComesAfterEof): dbclient too closes the
    /// channel once it has the server's EOF, and serve answers that CLOSE at once. Straight to
    /// sshd dbclient exits 44 (checked first). dbclient is run through serve until a run gets
    /// past serve's attach race (20 runs at most).
    /// </summary>
    [OtherPeerFact(Peers.Sshd, Peers.SshKeygen, Peers.DbClient, PeerPrograms.DropbearConvert)]
    public Task DbclientGetsAnExitStatusThatComesAfterEof() => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(Peers.DbClient, PeerPrograms.DropbearConvert);
        await using var relay = await MuxRelay.StartAsync(_run);
        const string command = "echo to-stdout; exec >&- 2>&-; sleep 0.5; exit 44";
        var direct = await DbclientAsync(relay, relay.UpstreamKey, relay.Sshd.Port, relay.Sshd.HostKeys[0].PublicBlob, command);
        Assert.True(direct.ExitCode == 44 && direct.StdoutText == "to-stdout\n", "dbclient straight to sshd: " + direct);

        var result = await relay.RetryAttachRaceAsync(_run, () => DbclientAsync(relay, relay.ClientKey, relay.Port, relay.HostKeyBlob, command), r => r.StdoutText.Length > 0, maxRuns: 20);
        Assert.True(result.StdoutText == "to-stdout\n", "dbclient never got past serve's attach race: " + result);
        Assert.True(result.ExitCode == 44, $"dbclient through serve: expected exit 44 as straight to sshd; got {result}");
    });

    /// <summary>dbclient with the key in Dropbear's format and a known_hosts that lists the server's key for 127.0.0.1.</summary>
    private async Task<CapturedResult> DbclientAsync(MuxRelay relay, PeerClientKey key, int port, byte[] hostKey, string command)
    {
        var keyFile = await key.ToDropbearAsync(_run);
        var home = relay.Work.File("dbclient-home-" + port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(Path.Combine(home, ".ssh"));
        await File.WriteAllTextAsync(Path.Combine(home, ".ssh", "known_hosts"), $"127.0.0.1 ssh-ed25519 {Convert.ToBase64String(hostKey)}\n");
        return await CapturedProcess.RunAsync(_run, "dbclient", Peers.Require(Peers.DbClient),
            ["-y", "-i", keyFile, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), MuxRelay.User + "@127.0.0.1", command],
            TimeSpan.FromSeconds(60), new Dictionary<string, string?> { ["HOME"] = home, ["SSH_AUTH_SOCK"] = null });
    }
}
