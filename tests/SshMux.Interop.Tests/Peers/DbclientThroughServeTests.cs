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
    /// so it meets serve before its authentication layer is attached on every connection.
    /// </summary>
    [OtherPeerTheory(Peers.Sshd, Peers.SshKeygen, Peers.DbClient, PeerPrograms.DropbearConvert)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(44)]
    public Task DbclientExecKeepsStderrApartAndReturnsTheExitCode(int code) => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(Peers.DbClient, PeerPrograms.DropbearConvert);
        await using var relay = await MuxRelay.StartAsync(_run);
        var key = await relay.ClientKey.ToDropbearAsync(_run);
        var home = relay.Work.File("dbclient-home");
        Directory.CreateDirectory(Path.Combine(home, ".ssh"));
        await File.WriteAllTextAsync(Path.Combine(home, ".ssh", "known_hosts"), $"127.0.0.1 ssh-ed25519 {relay.HostKeyBase64}\n");
        var result = await CapturedProcess.RunAsync(_run, "dbclient", Peers.Require(Peers.DbClient),
            ["-y", "-i", key, "-p", relay.PortText, MuxRelay.User + "@127.0.0.1", $"echo to-stdout; echo to-stderr >&2; exit {code}"],
            TimeSpan.FromSeconds(60), new Dictionary<string, string?> { ["HOME"] = home, ["SSH_AUTH_SOCK"] = null });
        Assert.True(code == result.ExitCode && result.StdoutText == "to-stdout\n" && result.StderrText == "to-stderr\n", $"Expected exit {code}, stdout \"to-stdout\\n\", stderr \"to-stderr\\n\"; got {result}");
    });
}
