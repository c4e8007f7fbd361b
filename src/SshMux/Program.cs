using System.CommandLine;
using SshMux.Cli;
using SshMux.Routing;

namespace SshMux;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("ssh-mux: one authenticated SSH connection per host, shared by every tool that speaks SSH.");
        root.Subcommands.Add(ScanCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        SetupConfigCommand.RouteLoader = RouteCatalog.LoadForSetup;
        root.Subcommands.Add(SetupConfigCommand.Create());
        root.Subcommands.Add(InstallCommand.CreateInstall());
        root.Subcommands.Add(InstallCommand.CreateUninstall());
        root.Subcommands.Add(SignProxy.SignProxyCommand.Create());
        root.Subcommands.Add(DaemonCommand.Create(DaemonGatewayHook.StartAsync));
        root.Subcommands.Add(ConnectCommand.Create());
        root.Subcommands.Add(PromptCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(StopCommand.Create());
        root.Subcommands.Add(LockCommand.CreateLock());
        root.Subcommands.Add(LockCommand.CreateUnlock());
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        try
        {
            return await root.Parse(args).InvokeAsync(config).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("ssh-mux: interrupted").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        catch (SshMux.Paths.UnsafePathException e)
        {
            // SSH_MUX_SSH_DIR or another path refused before a command could report it.
            Terminal.Error("", e.Message);
            return ExitCodes.ConfigRefused;
        }
    }
}
