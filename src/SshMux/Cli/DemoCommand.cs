using System.CommandLine;
using System.Globalization;
using SshMux.Demo;
using SshMux.Ssh.Transport;

namespace SshMux.Cli;

/// <summary>
/// `ssh-mux demo`: shows the main job with nothing to configure. Everything lives in a
/// temporary directory that is removed at the end, also on Ctrl+C.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var keep = new Option<bool>("--keep-running") { Description = "After the two sessions, keep the gateway running (until Ctrl+C) so you can try it yourself" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Show the gateway's log" };
        var command = new Command("demo", "Run an embedded SSH server and the gateway in a temporary directory, and connect the real ssh twice through it")
        {
            keep, verbose,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(keep), parse.GetValue(verbose), Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(bool keepRunning, bool verbose, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        SshLog log = verbose ? ConsoleLog.Create(verbose: true) : (_, _) => { };
        DemoRun demo;
        try
        {
            demo = await DemoRun.StartAsync(log).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or Ssh.SshException)
        {
            await Console.Error.WriteLineAsync("ssh-mux demo: could not set up: " + e.Message).ConfigureAwait(false);
            return ExitCodes.ProtocolFailure;
        }

        await using (demo.ConfigureAwait(false))
        {
            await output.WriteLineAsync($"""
                ssh-mux demo (files in {demo.Directory}, removed at the end)
                  upstream  an embedded SSH server on 127.0.0.1:{demo.UpstreamPort}, exec and shell as {DemoRun.UpstreamUser}
                  gateway   ssh-mux's local server on 127.0.0.1:{demo.GatewayPort}, route "{DemoRun.RouteName}" (see {demo.RoutesFile})
                  client    ssh -F {demo.SshConfig} {DemoRun.RouteName} ...

                """).ConfigureAwait(false);

            var sessions = new List<DemoSession>();
            try
            {
                for (var i = 1; i <= 2; i++)
                {
                    var remoteCommand = OperatingSystem.IsWindows()
                        ? $"echo session {i}: %USERNAME%@%COMPUTERNAME%"
                        : $"echo \"session {i}: $(id -un)@$(hostname), shell pid $$\"";
                    var session = await demo.RunSshAsync(remoteCommand, cancellationToken).ConfigureAwait(false);
                    sessions.Add(session);
                    await ReportAsync(output, i, remoteCommand, session, sessions).ConfigureAwait(false);
                    if (session.ExitCode != 0)
                    {
                        await output.WriteLineAsync($"ssh exited with status {session.ExitCode}; the demo stops here.").ConfigureAwait(false);
                        return ExitCodes.ProtocolFailure;
                    }
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                await Console.Error.WriteLineAsync("ssh-mux demo: " + e.Message).ConfigureAwait(false);
                return ExitCodes.ProtocolFailure;
            }

            var reused = sessions[1].UpstreamConnectionsAfter == 1;
            await output.WriteLineAsync(reused
                ? $"Two ssh sessions, one upstream connection: the second session took {Ms(sessions[1].Elapsed)} against {Ms(sessions[0].Elapsed)} for the first, which logged in upstream."
                : $"The upstream server saw {sessions[1].UpstreamConnectionsAfter} connections for two sessions: the second session did not reuse the first one's connection.").ConfigureAwait(false);

            if (keepRunning && reused)
            {
                await output.WriteLineAsync($"""

                    The gateway keeps running. Try it from another terminal:
                        ssh -F {demo.SshConfig} {DemoRun.RouteName}
                    Press Ctrl+C to stop and remove {demo.Directory}.
                    """).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    await output.WriteLineAsync("Stopping; removing " + demo.Directory).ConfigureAwait(false);
                }
            }

            return reused ? ExitCodes.Success : ExitCodes.ProtocolFailure;
        }
    }

    private static async Task ReportAsync(TextWriter output, int number, string command, DemoSession session, List<DemoSession> sessions)
    {
        var opened = number == 1 ? "opened" : sessions[0].UpstreamConnectionsAfter == session.UpstreamConnectionsAfter ? "reused" : "opened another";
        await output.WriteLineAsync($"session {number}: ssh {DemoRun.RouteName} '{command}'  ({Ms(session.Elapsed)}, exit {session.ExitCode})").ConfigureAwait(false);
        foreach (var line in session.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            await output.WriteLineAsync("    | " + line.TrimEnd('\r')).ConfigureAwait(false);
        }

        foreach (var line in session.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            await output.WriteLineAsync("    ! " + line.TrimEnd('\r')).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"    upstream connection {opened}: the upstream has accepted {session.UpstreamConnectionsAfter} SSH connection(s) so far").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
    }

    private static string Ms(TimeSpan elapsed) => elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";
}
