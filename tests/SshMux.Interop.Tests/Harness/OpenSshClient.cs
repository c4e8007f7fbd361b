using System.Globalization;

namespace SshMux.Interop.Tests.Harness;

/// <summary>The outcome of one run of a real client program.</summary>
public sealed record ClientRun(int ExitCode, PeerProcess Process)
{
    public OpenSshKexLog KexLog => OpenSshKexLog.Parse(Process.Lines);

    public string Output => Process.Output;
}

/// <summary>
/// Runs the real OpenSSH client against a loopback port: non-interactive, no user or system
/// configuration, no known_hosts, and -vvv so the negotiation shows in its output.
/// </summary>
public static class OpenSshClient
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <param name="options">-o settings, e.g. "KexAlgorithms=curve25519-sha256".</param>
    public static async Task<ClientRun> RunAsync(InteropRun run, int port, params string[] options)
    {
        ArgumentNullException.ThrowIfNull(run);
        var ssh = Peers.Require(Peers.Ssh);
        List<string> arguments =
        [
            "-vvv", "-F", "/dev/null",
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=20",
            "-o", "ConnectionAttempts=1",
        ];
        foreach (var option in options)
        {
            arguments.AddRange(["-o", option]);
        }

        arguments.AddRange(["-p", port.ToString(CultureInfo.InvariantCulture), "-l", "sshmux-interop", "127.0.0.1", "true"]);
        var process = run.Track(PeerProcess.Start("ssh", ssh, arguments));
        try
        {
            var code = await process.WaitForExitAsync(Timeout).ConfigureAwait(false);
            return new ClientRun(code, process);
        }
        finally
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }
    }
}
