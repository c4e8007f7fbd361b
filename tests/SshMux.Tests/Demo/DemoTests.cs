using System.Text;
using System.Text.RegularExpressions;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Tests.Demo;

/// <summary>
/// `ssh-mux demo` run as a user runs it (the built ssh-mux.dll, a child process), with the real
/// OpenSSH client doing the two sessions.
/// </summary>
public sealed partial class DemoTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [GeneratedRegex(@"files in (\S+), removed at the end")]
    private static partial Regex DirectoryLine();

    [PeerFact(Peers.Ssh)]
    public Task TwoSessionsShareOneUpstreamConnectionAndTheDirectoryIsRemoved() => _run.RunAsync(async ct =>
    {
        var result = await PipedProcess.RunAsync("ssh-mux demo", "dotnet", [ServeInstance.DllPath, "demo"], null, TimeSpan.FromSeconds(90));
        _run.Note(result.ToString());
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"session 1: ssh demo .*\(\d+ ms, exit 0\)", result.StdoutText);
        Assert.Contains("| session 2: " + Environment.UserName + "@", result.StdoutText, StringComparison.Ordinal);
        Assert.Contains("upstream connection opened: the upstream has accepted 1 SSH connection(s)", result.StdoutText, StringComparison.Ordinal);
        Assert.Contains("upstream connection reused: the upstream has accepted 1 SSH connection(s)", result.StdoutText, StringComparison.Ordinal);

        // Each session ran its own shell: two different shell pids over the one connection.
        var pids = Regex.Matches(result.StdoutText, @"shell pid (\d+)").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, pids.Count);
        Assert.NotEqual(pids[0], pids[1]);

        var directory = DirectoryLine().Match(result.StdoutText).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(directory));
        Assert.False(Directory.Exists(directory), $"{directory} is still there after the demo ended");
    });

    [PeerFact(Peers.Ssh)]
    public Task KeepRunningServesAnotherClientAndCtrlCCleansUp() => _run.RunAsync(async ct =>
    {
        await using var demo = PipedProcess.Start("ssh-mux demo --keep-running", "dotnet", [ServeInstance.DllPath, "demo", "--keep-running"]);
        var seen = new StringBuilder();
        using var reader = new StreamReader(demo.Stdout, Encoding.UTF8);
        string? directory = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            seen.AppendLine(line);
            directory ??= DirectoryLine().Match(line) is { Success: true } m ? m.Groups[1].Value : null;
            if (line.StartsWith("Press Ctrl+C", StringComparison.Ordinal))
            {
                break;
            }
        }

        _run.Note(seen.ToString());
        Assert.NotNull(directory);
        Assert.Contains("Press Ctrl+C", seen.ToString(), StringComparison.Ordinal);

        // A third session from outside, with the ssh config the demo wrote.
        var third = await PipedProcess.RunAsync("ssh", Peers.Require("ssh"), ["-F", Path.Combine(directory, "ssh_config"), "demo", "echo third; exit 44"], null, TimeSpan.FromSeconds(30));
        _run.Note(third.ToString());
        Assert.Equal(44, third.ExitCode);
        Assert.Equal("third\n", third.StdoutText);

        // Ctrl+C: SIGINT to the demo, which must stop and remove its directory.
        var kill = await PipedProcess.RunAsync("kill", "/bin/kill", ["-INT", demo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], null, TimeSpan.FromSeconds(10));
        Assert.Equal(0, kill.ExitCode);
        var exit = await demo.WaitForExitAsync(TimeSpan.FromSeconds(20));
        _run.Note("demo exited with " + exit + "; " + demo.StderrText);
        Assert.False(Directory.Exists(directory), $"{directory} is still there after Ctrl+C");
    });
}
