using System.CommandLine;
using SshMux.Paths;
using SshMux.Service;
using SshMux.Setup;

namespace SshMux.Cli;

/// <summary>
/// `ssh-mux install [--config ROUTES] [-p PORT] [--timeout S] [--max-lifetime S]` and
/// `ssh-mux uninstall`: ssh-mux as a per-user background service that starts at login and now.
/// </summary>
internal static class InstallCommand
{
    public static Command CreateInstall()
    {
        var config = new Option<string?>("--config") { Description = "Routes file the service serves (default: ssh-mux-routes.toml in the SSH directory)" };
        var port = new Option<int>("--port", "-p") { Description = "Local port (127.0.0.1 only)", DefaultValueFactory = _ => ServiceSpec.DefaultPort };
        var timeout = new Option<int>("--timeout") { Description = "Seconds an unused upstream connection is kept", DefaultValueFactory = _ => ServiceSpec.DefaultTimeout };
        var maxLifetime = new Option<int>("--max-lifetime") { Description = "Maximum age of an upstream connection in seconds, 0 for unlimited", DefaultValueFactory = _ => ServiceSpec.DefaultMaxLifetime };
        var command = new Command("install", "Run ssh-mux as a background service of this user: now and at every login (systemd user unit, launchd agent, or Startup entry)")
        {
            config, port, timeout, maxLifetime,
        };
        command.SetAction(parse => Run("install", Console.Out, (backend, directory) =>
        {
            var spec = ServiceSpec.Create(directory, parse.GetValue(config), parse.GetValue(port), parse.GetValue(timeout), parse.GetValue(maxLifetime),
                Environment.ProcessPath, typeof(InstallCommand).Assembly.Location);
            var outcome = backend.Install(spec, Console.Out);
            if (!File.Exists(spec.RoutesFile))
            {
                Console.Out.WriteLine($"note: {spec.RoutesFile} does not exist yet; the service fails until it does");
            }

            return outcome;
        }));
        return command;
    }

    public static Command CreateUninstall()
    {
        var command = new Command("uninstall", "Stop the background service and remove it; the routes, ssh config and keys stay");
        command.SetAction(_ => Run("uninstall", Console.Out, (backend, _) => backend.Uninstall(Console.Out)));
        return command;
    }

    /// <summary>The shared frame of both commands, with the backend a seam for tests.</summary>
    public static int Run(string name, TextWriter output, Func<IServiceBackend, SshDirectory, ServiceOutcome> action,
        IServiceBackend? backend = null, SshDirectory? directory = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            directory ??= SshDirectory.ForCurrentUser();
            backend ??= ServiceBackends.ForCurrentPlatform(ProcessCommandRunner.Instance, FileSafety.Default);
            var outcome = action(backend, directory);
            output.WriteLine($"log: {directory.Log} (rotated to {System.IO.Path.GetFileName(directory.LogOld)} at 5 MB)");
            return outcome == ServiceOutcome.ManagerFailed ? ExitCodes.ServiceManagerFailed : ExitCodes.Success;
        }
        catch (Exception e) when (e is SetupException or IOException or UnauthorizedAccessException)
        {
            Terminal.Error(name, e.Message);
            return ExitCodes.ConfigRefused;
        }
    }
}
