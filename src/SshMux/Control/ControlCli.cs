using SshMux.Cli;

namespace SshMux.Control;

/// <summary>What the control commands (status, stop, lock, unlock) share: connecting, and the messages and exit codes when that fails.</summary>
internal static class ControlCli
{
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Sends one request and hands the reply to <paramref name="onReply"/>. No daemon running:
    /// exit 1 (<see cref="ExitCodes.Unreachable"/>) with a hint; an unsafe control directory or an
    /// error reply: exit 3 (<see cref="ExitCodes.ProtocolFailure"/>).
    /// </summary>
    public static async Task<int> RunAsync(string command, string request, Func<string, Task<int>> onReply, CancellationToken cancellationToken)
    {
        try
        {
            var endpoint = ControlEndpoint.ForCurrentUser();
            await using var client = await ControlClient.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            var reply = await client.RequestAsync(request, ReplyTimeout, cancellationToken).ConfigureAwait(false);
            return await onReply(reply).ConfigureAwait(false);
        }
        catch (DaemonNotRunningException e)
        {
            await Console.Error.WriteLineAsync($"ssh-mux {command}: {e.Message}. Start it with `ssh-mux daemon`.").ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }
        catch (Exception e) when (e is ControlException or IOException or TimeoutException or PlatformNotSupportedException)
        {
            await Console.Error.WriteLineAsync($"ssh-mux {command}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.ProtocolFailure;
        }
    }

    /// <summary>Colour only on a terminal, and never when NO_COLOR is set (no-color.org).</summary>
    public static bool UseColour =>
        !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");
}
