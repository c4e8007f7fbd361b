using System.CommandLine;
using SshMux.Control;

namespace SshMux.Cli;

/// <summary>`ssh-mux lock` and `ssh-mux unlock`: freeze the pool (new sessions refused, existing ones kept) and thaw it.</summary>
internal static class LockCommand
{
    public static Command CreateLock() => Create(
        "lock", "Refuse new sessions; existing ones keep working (e.g. before leaving the workstation)", ControlProtocol.Lock,
        "ssh-mux pool locked: new sessions are refused, existing ones keep working");

    public static Command CreateUnlock() => Create("unlock", "Accept new sessions again", ControlProtocol.Unlock, "ssh-mux pool unlocked");

    private static Command Create(string name, string description, string request, string message)
    {
        var command = new Command(name, description);
        command.SetAction((_, ct) => ControlCli.RunAsync(name, request, async _ =>
        {
            await Console.Out.WriteLineAsync(message).ConfigureAwait(false);
            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
