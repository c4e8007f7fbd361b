using SshMux.Notifications;
using SshMux.Paths;
using SshMux.Pool;
using SshMux.Relay;
using SshMux.Routing;

namespace SshMux.Cli;

/// <summary>The daemon's gateway: routes from the routes file and ~/.ssh/config, every prompt through the daemon's broker.</summary>
internal static class DaemonGatewayHook
{
    public static Task<DaemonGateway> StartAsync(DaemonContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var directory = SshDirectory.ForCurrentUser();
        var catalog = new RouteCatalog(directory, context.Settings.RoutesFile, useSshConfig: true, context.Log);

        // A broken routes file stops the daemon at start with its FILE:LINE message; later
        // edits are read on every lookup and an error then refuses only new sessions.
        var count = catalog.FileRoutes().Count;
        var notifier = DesktopNotifier.ForCurrentPlatform(context.Settings.Notify);
        var gateway = Gateway.Start(directory, Gateway.Routes(catalog), context.Broker, new GatewayOptions
        {
            Port = context.Settings.Port,
            Pool = new PoolOptions { IdleTimeout = context.Settings.IdleTimeout, MaxLifetime = context.Settings.MaxLifetime },
            SessionOpened = notifier.Enabled ? (route, client) => notifier.NewSession(route, "from " + client) : null,
        }, context.Log);
        context.Log(Ssh.Transport.SshLogLevel.Info, $"Listening on 127.0.0.1:{gateway.Port}, {count} route(s) in {catalog.RoutesFilePath} and the Host aliases of ~/.ssh/config");
        // Nobody awaits the accept loop until shutdown: a fault must at least reach the log.
        _ = gateway.RunAsync(cancellationToken).ContinueWith(
            run => context.Log(Ssh.Transport.SshLogLevel.Error, $"The gateway stopped accepting connections: {run.Exception!.GetBaseException()}"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return Task.FromResult(new DaemonGateway(gateway.Pool, gateway));
    }
}
