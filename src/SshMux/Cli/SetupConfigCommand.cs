using System.CommandLine;
using SshMux.Paths;
using SshMux.Routing;
using SshMux.Setup;

namespace SshMux.Cli;

/// <summary>`ssh-mux setup-config [--config ROUTES] [-p PORT]`: Host blocks for a plain `ssh ROUTE`.</summary>
internal static class SetupConfigCommand
{
    /// <summary>
    /// Reads the routes: the SSH directory and the --config value (null for the default
    /// routes file). Set by Program.cs to the routes file loader; a loader error should be
    /// thrown as <see cref="SetupException"/> or <see cref="IOException"/> with a message that
    /// names the file and line.
    /// </summary>
    public static Func<SshDirectory, string?, IReadOnlyList<Route>>? RouteLoader { get; set; }

    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Routes file (default: ssh-mux-routes.toml in the SSH directory)" };
        var port = new Option<int>("--port", "-p") { Description = "Port the local server listens on", DefaultValueFactory = _ => 2222 };
        var command = new Command("setup-config", "Write ssh-mux-hosts.conf with a Host block per route and include it from the ssh config, so that `ssh ROUTE` goes through ssh-mux")
        {
            config, port,
        };
        command.SetAction(parse => Run(parse.GetValue(config), parse.GetValue(port), Console.Out));
        return command;
    }

    public static int Run(string? routesFile, int port, TextWriter output)
    {
        if (port is < 1 or > 65535)
        {
            Terminal.Error("setup-config", "--port must be between 1 and 65535");
            return ExitCodes.Usage;
        }

        try
        {
            var directory = SshDirectory.ForCurrentUser();
            if (RouteLoader is not { } load)
            {
                Terminal.Error("setup-config", "this build has no routes file loader");
                return ExitCodes.ConfigRefused;
            }

            var routes = load(directory, routesFile);
            SshConfigSetup.Apply(directory, routes, port, output);
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is SetupException or IOException or UnauthorizedAccessException)
        {
            Terminal.Error("setup-config", e.Message);
            return ExitCodes.ConfigRefused;
        }
    }
}
