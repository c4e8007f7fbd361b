using System.CommandLine;
using SshMux.Paths;
using SshMux.Pool;
using SshMux.Relay;
using SshMux.Routing;
using SshMux.Ssh;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Logging;
using SshMux.Notifications;

namespace SshMux.Cli;

/// <summary>
/// `ssh-mux serve`: the local server in the foreground. Routed mode (the default, or
/// --config FILE): the login name picks a route from the routes file or ~/.ssh/config. Direct
/// mode (--remote HOST[:PORT] -u USER): every login relays to that one host.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var remote = new Option<string?>("--remote") { Description = "Direct mode: the upstream HOST[:PORT] every session is relayed to" };
        var user = new Option<string?>("--user", "-u") { Description = "Direct mode: the user name on the upstream host" };
        var identity = new Option<string[]>("--identity", "-i") { Description = "Direct mode: private key file for the upstream (repeatable; the agent and ~/.ssh/id_* are tried too)", AllowMultipleArgumentsPerToken = false };
        var config = new Option<string?>("--config") { Description = "Routed mode: the routes file (default: ssh-mux-routes.toml in the SSH directory)" };
        var noSshConfig = new Option<bool>("--no-ssh-config") { Description = "Routed mode: do not take routes from the Host aliases of ~/.ssh/config" };
        var port = new Option<int>("--port", "-p") { Description = "Local port to listen on (127.0.0.1 only)", DefaultValueFactory = _ => 2222 };
        var timeout = new Option<int>("--timeout") { Description = "Seconds an upstream connection may stay idle before it is closed", DefaultValueFactory = _ => 600 };
        var maxLifetime = new Option<int>("--max-lifetime") { Description = "Seconds after which an upstream connection takes no new sessions and closes once drained (0 = unlimited)", DefaultValueFactory = _ => 43200 };
        var logLevel = LogLevels.CreateOption();
        var notify = DesktopNotifier.CreateOption();
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log protocol details (the same as --log-level debug)" };
        var trustedCaKeys = new Option<string?>("--trusted-user-ca-keys") { Description = "File of CA public keys (sshd's TrustedUserCAKeys): user certificates they signed are accepted for the user names they list as principals" };
        var permitUserEnvironment = new Option<bool>("--permit-user-environment") { Description = "Honour environment=\"NAME=value\" options in ssh-mux-authorized-keys (sshd's PermitUserEnvironment)" };
        var command = new Command("serve", "Run the local SSH server in the foreground and relay every session over pooled upstream connections")
        {
            remote, user, identity, config, noSshConfig, port, timeout, maxLifetime, logLevel, notify, verbose, trustedCaKeys, permitUserEnvironment,
        };
        command.SetAction(async (parse, ct) =>
        {
            IReadOnlyList<SshPublicKey> caKeys = [];
            if (parse.GetValue(trustedCaKeys) is { } caFile && !TrustedUserCaKeysFile.TryLoad(caFile, out caKeys, out var caError))
            {
                await Console.Error.WriteLineAsync("ssh-mux serve: --trusted-user-ca-keys: " + caError).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var settings = new ServeSettings(parse.GetValue(remote), parse.GetValue(user), parse.GetValue(identity) ?? [], parse.GetValue(config),
                !parse.GetValue(noSshConfig), parse.GetValue(port), parse.GetValue(timeout), parse.GetValue(maxLifetime),
                parse.GetValue(verbose) ? "debug" : parse.GetValue(logLevel), parse.GetValue(notify))
            {
                TrustedUserCaKeys = caKeys,
                PermitUserEnvironment = parse.GetValue(permitUserEnvironment),
            };
            return await RunAsync(settings, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(ServeSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Validate() is { } problem)
        {
            await Console.Error.WriteLineAsync("ssh-mux serve: " + problem).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var directory = SshDirectory.ForCurrentUser();
        if (ServiceLog.Start(directory, settings.LogLevel, Console.Error) is not { } log)
        {
            return ExitCodes.Usage;
        }

        RouteTable routes;
        string description;
        if (settings.Remote is { } remote)
        {
            // Direct mode is one synthetic route that every login name selects; forwarding keeps
            // the reach it had before routes existed (the key's permitopen still applies).
            var hop = new RouteHop(remote.Host, remote.Port, settings.User!, settings.Identities, HostKeyPolicy: HostKeyPolicy.Ask);
            routes = RouteTable.Single(new Route(settings.User!, hop, [], AllowRemoteLoopbackAnyPort: true, RelayKeyboardInteractive: false, Source: "--remote"));
            description = $"relaying to {settings.User}@{remote}";
        }
        else
        {
            var catalog = new RouteCatalog(directory, settings.RoutesFile, settings.UseSshConfig, log);
            try
            {
                var fileRoutes = catalog.FileRoutes();
                description = $"{fileRoutes.Count} route(s) in {catalog.RoutesFilePath}" + (settings.UseSshConfig ? " and the Host aliases of ~/.ssh/config" : string.Empty);
            }
            catch (RoutesFileException e)
            {
                await Console.Error.WriteLineAsync("ssh-mux serve: " + e.Message).ConfigureAwait(false);
                return ExitCodes.ConfigRefused;
            }

            routes = Gateway.Routes(catalog);
        }

        var notifier = DesktopNotifier.ForCurrentPlatform(settings.Notify);
        var options = new GatewayOptions
        {
            Port = settings.Port,
            Pool = new PoolOptions { IdleTimeout = TimeSpan.FromSeconds(settings.TimeoutSeconds), MaxLifetime = TimeSpan.FromSeconds(settings.MaxLifetimeSeconds) },
            TrustedUserCaKeys = settings.TrustedUserCaKeys,
            PermitUserEnvironment = settings.PermitUserEnvironment,
            SessionOpened = notifier.Enabled ? (route, client) => notifier.NewSession(route, "from " + client) : null,
        };
        Gateway gateway;
        try
        {
            gateway = Gateway.Start(directory, routes, new TerminalPassphraseBroker(), options, log);
        }
        catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync("ssh-mux serve: " + e.Message).ConfigureAwait(false);
            return ExitCodes.ProtocolFailure;
        }

        await using (gateway.ConfigureAwait(false))
        {
            log(SshLogLevel.Info, $"Listening on 127.0.0.1:{gateway.Port}, {description}");
            await gateway.RunAsync(cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }
}

/// <summary>serve's command line, checked.</summary>
internal sealed record ServeSettings(string? RemoteText, string? User, string[] Identities, string? RoutesFile, bool UseSshConfig,
    int Port, int TimeoutSeconds, int MaxLifetimeSeconds, string? LogLevel, bool Notify)
{
    public HostPort? Remote { get; private set; }

    /// <summary>--trusted-user-ca-keys, loaded.</summary>
    public IReadOnlyList<SshPublicKey> TrustedUserCaKeys { get; init; } = [];

    public bool PermitUserEnvironment { get; init; }

    /// <summary>Null when the settings make sense; otherwise what is wrong, naming the option.</summary>
    public string? Validate()
    {
        if (RemoteText is not null)
        {
            if (!HostPort.TryParse(RemoteText, 22, out var target, out var error))
            {
                return "--remote: " + error;
            }

            Remote = target;
            if (User is null)
            {
                return "--remote needs --user (-u): the user name on the upstream host";
            }

            if (RoutesFile is not null)
            {
                return "--remote (direct mode) and --config (routed mode) cannot be combined";
            }
        }
        else if (User is not null || Identities.Length > 0)
        {
            return "--user and --identity belong to direct mode: add --remote HOST[:PORT], or put them in a route";
        }

        if (User is not null && (User.Length == 0 || User.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
        {
            return "--user must be a user name without white space or control characters";
        }

        if (Port is < 0 or > 65535)
        {
            return "--port must be between 0 and 65535";
        }

        if (TimeoutSeconds < 1)
        {
            return "--timeout must be at least 1 second";
        }

        return MaxLifetimeSeconds < 0 ? "--max-lifetime must be 0 (unlimited) or a number of seconds" : null;
    }
}

/// <summary>Writes log lines to stderr with a timestamp.</summary>
internal static class ConsoleLog
{
    public static SshLog Create(bool verbose) => (level, message) =>
    {
        if (level < SshLogLevel.Info && !verbose)
        {
            return;
        }

        Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {level,-7} {message}");
    };
}
