using System.CommandLine;
using SshMux.Control;
using SshMux.Pool;
using SshMux.Prompts;
using SshMux.Logging;
using SshMux.Notifications;
using SshMux.Paths;
using SshMux.Ssh.Transport;

namespace SshMux.Cli;

/// <summary>What `ssh-mux daemon` was asked to run with, for the gateway.</summary>
/// <param name="Port">The local server's port on 127.0.0.1 (-p).</param>
/// <param name="IdleTimeout">--timeout: idle pooled connections close after this.</param>
/// <param name="MaxLifetime">--max-lifetime: absolute cap on a pooled connection's age; zero for none.</param>
/// <param name="RoutesFile">--config: the routes file, or null for ~/.ssh/ssh-mux-routes.toml.</param>
internal sealed record DaemonSettings(int Port, TimeSpan IdleTimeout, TimeSpan MaxLifetime, string? RoutesFile, bool Verbose)
{
    /// <summary>--notify: a desktop notification for every new session.</summary>
    public bool Notify { get; init; }
}

/// <summary>What the gateway gets from the daemon: the prompt broker every upstream prompt goes through.</summary>
internal sealed record DaemonContext(PromptBroker Broker, DaemonSettings Settings, SshLog Log);

/// <summary>A running gateway: its pool (for the control socket) and what to dispose to stop it.</summary>
internal sealed record DaemonGateway(IPoolControl Pool, IAsyncDisposable Lifetime);

/// <summary>Starts the gateway (routes, pool, local server); throws with a clear message when it cannot.</summary>
internal delegate Task<DaemonGateway> DaemonGatewayStarter(DaemonContext context, CancellationToken cancellationToken);

/// <summary>
/// `ssh-mux daemon`: the control socket, the prompt broker (with SSH_ASKPASS when configured)
/// and, through <see cref="DaemonGatewayStarter"/>, the gateway. Without a gateway it still
/// serves the control socket: status shows an empty pool, prompt terminals can attach.
/// Runs until `ssh-mux stop`, Ctrl-C or SIGTERM.
/// </summary>
internal static class DaemonCommand
{
    public static Command Create(DaemonGatewayStarter? startGateway = null)
    {
        var port = new Option<int>("--port", "-p") { Description = "Local port of the SSH server (127.0.0.1 only)", DefaultValueFactory = _ => 2222 };
        var timeout = new Option<int>("--timeout") { Description = "Seconds before an idle pooled connection is closed", DefaultValueFactory = _ => 600 };
        var maxLifetime = new Option<int>("--max-lifetime") { Description = "Absolute maximum lifetime of a pooled connection in seconds, 0 = unlimited", DefaultValueFactory = _ => 43200 };
        var config = new Option<string?>("--config") { Description = "Routes file (default ~/.ssh/ssh-mux-routes.toml)" };
        var promptTimeout = new Option<int>("--prompt-timeout") { Description = "Seconds a prompt waits for its answer before it is cancelled", DefaultValueFactory = _ => 120 };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log protocol details" };
        var notify = DesktopNotifier.CreateOption();
        var command = new Command("daemon", "Run the multiplexer in the background role: control socket, prompts, local server and pool")
        {
            port, timeout, maxLifetime, config, promptTimeout, verbose, notify,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = new DaemonSettings(parse.GetValue(port), TimeSpan.FromSeconds(parse.GetValue(timeout)), TimeSpan.FromSeconds(parse.GetValue(maxLifetime)), parse.GetValue(config), parse.GetValue(verbose)) { Notify = parse.GetValue(notify) };
            if (settings.Port is < 0 or > 65535 || settings.IdleTimeout <= TimeSpan.Zero || settings.MaxLifetime < TimeSpan.Zero || parse.GetValue(promptTimeout) <= 0)
            {
                await Console.Error.WriteLineAsync("ssh-mux daemon: --port must be 0-65535, --timeout and --prompt-timeout positive, --max-lifetime 0 or more").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await RunAsync(settings, TimeSpan.FromSeconds(parse.GetValue(promptTimeout)), startGateway, ControlEndpoint.ForCurrentUser(), ct).ConfigureAwait(false);
        });
        return command;
    }

    public static async Task<int> RunAsync(DaemonSettings settings, TimeSpan promptTimeout, DaemonGatewayStarter? startGateway, IControlEndpoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(endpoint);
        // ssh-mux.log in the SSH directory as well as stderr, crashes recorded (issue: logging).
        if (ServiceLog.Start(SshDirectory.ForCurrentUser(), settings.Verbose ? "debug" : null, Console.Error) is not { } log)
        {
            return ExitCodes.Usage;
        }

        IControlListener listener;
        try
        {
            listener = endpoint.Listen();
        }
        catch (Exception e) when (e is ControlException or IOException or PlatformNotSupportedException)
        {
            await Console.Error.WriteLineAsync("ssh-mux daemon: " + e.Message).ConfigureAwait(false);
            return ExitCodes.ProtocolFailure;
        }

        await using (listener.ConfigureAwait(false))
        {
            var askpass = AskpassSettings.FromEnvironment(Environment.GetEnvironmentVariable);
            var broker = new PromptBroker(new PromptBrokerOptions { Timeout = promptTimeout, Order = askpass.Order, Log = log });
            using var askpassRegistration = askpass is { Enabled: true, Program: { } program } ? broker.Register(new AskpassFrontEnd(program)) : null;
            if (askpassRegistration is not null)
            {
                log(SshLogLevel.Info, $"Prompts may use SSH_ASKPASS ({askpass.Program}){(askpass.BeforeTerminal ? " before" : " after")} attached `ssh-mux prompt` terminals");
            }

            DaemonGateway? gateway = null;
            if (startGateway is not null)
            {
                try
                {
                    gateway = await startGateway(new DaemonContext(broker, settings, log), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    await Console.Error.WriteLineAsync("ssh-mux daemon: " + e.Message).ConfigureAwait(false);
                    return ExitCodes.ProtocolFailure;
                }
            }
            else
            {
                log(SshLogLevel.Info, "No gateway is configured in this build: serving the control socket only");
            }

            try
            {
                using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var pool = gateway?.Pool ?? new EmptyPool();
                var server = new ControlServer(listener, pool, broker, () => stopping.Cancel(), new ControlServerOptions { Log = log });
                log(SshLogLevel.Info, $"Control socket {endpoint.Address}");
                await server.RunAsync(stopping.Token).ConfigureAwait(false);
            }
            finally
            {
                if (gateway is not null)
                {
                    await gateway.Lifetime.DisposeAsync().ConfigureAwait(false);
                }
            }

            log(SshLogLevel.Info, "Daemon stopped");
            return ExitCodes.Success;
        }
    }
}
