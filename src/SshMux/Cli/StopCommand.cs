using System.CommandLine;
using SshMux.Control;

namespace SshMux.Cli;

/// <summary>`ssh-mux stop`: asks the running daemon to stop.</summary>
internal static class StopCommand
{
    public static Command Create()
    {
        var command = new Command("stop", "Stop the running ssh-mux daemon");
        command.SetAction((_, ct) => ControlCli.RunAsync("stop", ControlProtocol.Stop, async _ =>
        {
            await Console.Out.WriteLineAsync("ssh-mux daemon is stopping").ConfigureAwait(false);
            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
