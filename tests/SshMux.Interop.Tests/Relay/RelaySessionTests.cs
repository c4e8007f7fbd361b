using System.Globalization;
using System.Security.Cryptography;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Relay;

/// <summary>OpenSSH's ssh running commands and shells through `ssh-mux serve` to a real sshd.</summary>
[Collection(RelayTestGroup.Name)]
public class RelaySessionTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    /// <summary>
    /// The exit status, stdout and stderr come back as the command left them: binary bytes
    /// (NUL, 0xFF) on both streams, interleaved writes kept on their own stream.
    /// </summary>
    [PeerTheory(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(44)]
    public Task ExecKeepsExitStatusAndStreamsApart(int exitCode) => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        var command = $"for i in 1 2 3; do printf 'out%s\\000\\377\\n' $i; printf 'err%s\\001\\376\\n' $i >&2; done; exit {exitCode.ToString(CultureInfo.InvariantCulture)}";

        var result = await rig.SshAsync(command);

        Assert.True(exitCode == result.ExitCode, $"expected exit {exitCode}, got {result}");
        Assert.Equal(Repeat(i => [.. "out"u8, (byte)('0' + i), 0x00, 0xFF, (byte)'\n']), result.Stdout);
        Assert.Equal(Repeat(i => [.. "err"u8, (byte)('0' + i), 0x01, 0xFE, (byte)'\n']), result.Stderr);
    });

    private static byte[] Repeat(Func<int, byte[]> line) => [.. line(1), .. line(2), .. line(3)];

    /// <summary>
    /// `ssh host cat &lt; file`: 20 MB of random bytes go up and come back byte-exact, and the
    /// session ends, which needs ssh's end of file relayed to cat (a half-close) while the
    /// rest still flows back.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task CatRoundTripsTwentyMegabytes() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        var data = RandomNumberGenerator.GetBytes(20 * 1024 * 1024);

        using var stdin = new MemoryStream(data, writable: false);
        var result = await rig.SshAsync("cat", stdin: stdin);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(data.Length, result.Stdout.Length);
        Assert.True(data.AsSpan().SequenceEqual(result.Stdout), "cat's output differs from its input");
        Assert.Empty(result.Stderr);
    }, TimeSpan.FromSeconds(150));

    /// <summary>
    /// ssh -tt under a terminal of 123x45 (script(1) gives ssh one): the remote side has a
    /// /dev/pts terminal of the same size, and the exit status still comes back. Without -tt
    /// the same command has no terminal, so the check is not satisfied by accident.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen, "script")]
    public Task PtyCarriesTerminalAndWindowSize() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        var ssh = string.Join(' ', [Peers.Require(Peers.Ssh), .. rig.SshArguments("tty; stty size; exit 7", ["-tt"]).Select(Quote)]);

        var withPty = await PipedProcess.RunAsync("script", Peers.Require("script"), ["-qec", "stty cols 123 rows 45; " + ssh, "/dev/null"], null, RelayRig.ClientTimeout, RelayRig.ClientEnvironment);

        var text = withPty.StdoutText;
        Assert.True(withPty.ExitCode == 7, withPty.ToString());
        Assert.Matches(@"/dev/pts/\d+\r?\n", text);
        Assert.Contains("45 123", text, StringComparison.Ordinal);

        var withoutPty = await rig.SshAsync("tty; exit 0");
        Assert.Equal("not a tty\n", withoutPty.StdoutText);
    });

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// SendEnv: LANG reaches the command, FOO does not, although this sshd accepts every
    /// variable (AcceptEnv *), as the direct connection shows: serve is what refuses FOO.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task EnvPassesLangOnly() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        const string Command = "printf '%s|%s' \"${LANG-unset}\" \"${FOO-unset}\"";
        var environment = new Dictionary<string, string?>(RelayRig.ClientEnvironment) { ["LANG"] = "en_DK.UTF-8", ["FOO"] = "bar" };
        string[] sendEnv = ["-o", "SendEnv=LANG", "-o", "SendEnv=FOO"];

        var relayed = await rig.SshAsync(Command, sendEnv, environment: environment);
        Assert.True(relayed.ExitCode == 0, relayed.ToString());
        Assert.Equal("en_DK.UTF-8|unset", relayed.StdoutText);

        var direct = await PipedProcess.RunAsync("ssh (direct)", Peers.Require(Peers.Ssh), DirectArguments(rig, Command, sendEnv), null, RelayRig.ClientTimeout, environment);
        Assert.True(direct.ExitCode == 0, direct.ToString());
        Assert.Equal("en_DK.UTF-8|bar", direct.StdoutText);
    });

    /// <summary>
    /// ssh -A and -R through serve: the agent is not forwarded and the remote listener is
    /// refused (ssh warns), yet the session runs. The direct connection shows this sshd
    /// would have forwarded the agent.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen, "ssh-agent")]
    public Task AgentAndRemoteForwardingRefusedSessionWorks() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        var socket = rig.Work.File("agent.sock");
        await using var agent = _run.Track(PeerProcess.Start("ssh-agent", Peers.Require("ssh-agent"), ["-D", "-a", socket]));
        await agent.WaitForLineAsync(l => l.Contains("SSH_AUTH_SOCK", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the agent's socket");
        var environment = new Dictionary<string, string?>(RelayRig.ClientEnvironment) { ["SSH_AUTH_SOCK"] = socket };
        const string Command = "echo session-works; printf '%s' \"${SSH_AUTH_SOCK-none}\"";
        string[] forwarding = ["-A", "-R", "0:127.0.0.1:9", "-o", "ExitOnForwardFailure=no"];

        var relayed = await rig.SshAsync(Command, forwarding, logLevel: "DEBUG1", environment: environment);

        Assert.True(relayed.ExitCode == 0, relayed.ToString());
        Assert.Equal("session-works\nnone", relayed.StdoutText);
        Assert.Contains("Requesting authentication agent forwarding", relayed.StderrText, StringComparison.Ordinal);
        Assert.Contains("remote port forwarding failed for listen port 0", relayed.StderrText, StringComparison.Ordinal);
        Assert.Contains(rig.Serve.Process.Lines, l => l.Contains("Refused global request tcpip-forward", StringComparison.Ordinal));

        var direct = await PipedProcess.RunAsync("ssh (direct)", Peers.Require(Peers.Ssh), DirectArguments(rig, Command, ["-A"]), null, RelayRig.ClientTimeout, environment);
        Assert.True(direct.ExitCode == 0, direct.ToString());
        Assert.StartsWith("session-works\n/", direct.StdoutText, StringComparison.Ordinal);
    });

    /// <summary>ssh straight to sshd with the upstream key: the control showing what sshd itself allows.</summary>
    private static List<string> DirectArguments(RelayRig rig, string command, IEnumerable<string> options) =>
    [
        "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", rig.UpstreamKey.PrivateKeyPath,
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
        "-p", rig.Sshd.Port.ToString(CultureInfo.InvariantCulture), .. options, rig.Target, command,
    ];
}
