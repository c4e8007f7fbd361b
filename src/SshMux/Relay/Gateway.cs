using SshMux.Paths;
using SshMux.Pool;
using SshMux.Prompts;
using SshMux.Routing;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Trust;

namespace SshMux.Relay;

/// <summary>What serve, daemon and demo choose about the gateway.</summary>
internal sealed record GatewayOptions
{
    /// <summary>The local server's port on 127.0.0.1 (0: the kernel picks one).</summary>
    public int Port { get; init; } = 2222;

    public PoolOptions Pool { get; init; } = new();

    /// <summary>ServerAlive toward upstreams and ClientAlive toward local clients.</summary>
    public KeepaliveSettings Keepalive { get; init; } = KeepaliveSettings.Default;

    /// <summary>authorized_keys environment= options are honoured (sshd's PermitUserEnvironment).</summary>
    public bool PermitUserEnvironment { get; init; }

    /// <summary>sshd's TrustedUserCAKeys for the local server: user certificates these CAs signed are accepted.</summary>
    public IReadOnlyList<SshPublicKey> TrustedUserCaKeys { get; init; } = [];

    /// <summary>Called for every new session (route name, client address).</summary>
    public Action<string, string>? SessionOpened { get; init; }
}

/// <summary>
/// The multiplexer put together: the routes, host key trust (known_hosts, prompts through the
/// broker), the upstream pool and the local server. One instance per serve or daemon process.
/// </summary>
internal sealed class Gateway : IAsyncDisposable
{
    private readonly LocalServer _server;
    private readonly SshPrivateKey _hostKey;

    private Gateway(LocalServer server, UpstreamPool pool, SshPrivateKey hostKey)
    {
        _server = server;
        Pool = pool;
        _hostKey = hostKey;
    }

    public UpstreamPool Pool { get; }

    public int Port => _server.Port;

    /// <summary>
    /// Loads (or creates) the local server's host key and its authorized keys from
    /// <paramref name="directory"/>, and starts listening. Upstream host keys are checked
    /// against the directory's known_hosts and /etc/ssh/ssh_known_hosts; unknown ones are asked
    /// through <paramref name="broker"/> per each hop's policy.
    /// </summary>
    public static Gateway Start(SshDirectory directory, RouteTable routes, IPromptBroker? broker, GatewayOptions options, SshLog log, IHostKeyTrust? trust = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(options);

        // Everything the gateway trusts (host key, authorized keys, routes) lives here.
        SafeFile.CreatePrivateDirectory(directory.Path);
        FileSafety.Default.CheckDirectory(directory.Path);
        trust ??= new HostKeyTrust(HostKeyTrustOptions.ForUser(directory), broker, log);
        var connector = new UpstreamConnector(trust, broker, log, new UpstreamSettings
        {
            Keepalive = options.Keepalive,
            PromptTimeout = broker is PromptBroker withTimeout && withTimeout.Timeout != Timeout.InfiniteTimeSpan ? withTimeout.Timeout : TimeSpan.FromSeconds(120),
            DefaultIdentityFiles = [.. directory.DefaultIdentities],
        });
        var pool = new UpstreamPool(connector, options.Pool, log);
        var hostKey = LocalServer.LoadOrCreateHostKey(directory, log);
        LocalServer? server = null;
        try
        {
            var authorized = LocalServer.LoadAuthorizedKeys(directory, log, options.PermitUserEnvironment, options.TrustedUserCaKeys);
            if (broker is PromptBroker prompts)
            {
                authorized = WithKeyboardInteractiveRelay(authorized, routes, prompts, pool, log);
            }

            server = new LocalServer(options.Port, hostKey, authorized, routes, pool, log, new LocalServerSettings
            {
                ClientKeepalive = options.Keepalive,
                SessionOpened = options.SessionOpened,
            });
            server.Start();
            return new Gateway(server, pool, hostKey);
        }
        catch
        {
            server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            pool.DisposeAsync().AsTask().GetAwaiter().GetResult();
            hostKey.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Routes with relay_keyboard_interactive: after the client's publickey, the upstream is
    /// connected during the client's own keyboard-interactive round, and its prompts (OTPs)
    /// are served to the client. The upstream connection is the one its later channels use:
    /// pooled for the key the client signed in with.
    /// </summary>
    private static LocalAuthorization WithKeyboardInteractiveRelay(LocalAuthorization authorized, RouteTable routes, PromptBroker broker, UpstreamPool pool, SshLog log) =>
        new(address =>
        {
            var recorder = new AcceptedKeyRecorder(authorized.ForClient(address));
            return new KeyboardInteractiveRelay(recorder, routes.Resolve, broker,
                (route, ct) => pool.EnsureConnectedAsync(route, recorder.Fingerprint ?? throw new InvalidOperationException("no key signed in"), ct), log);
        });

    /// <summary>A route table over the catalog: every lookup reads the routes file and ssh config again.</summary>
    public static RouteTable Routes(RouteCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new RouteTable(name => catalog.Find(name).Route, catalog.Names);
    }

    /// <summary>Accepts local clients until cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => _server.RunAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        await Pool.DisposeAsync().ConfigureAwait(false);
        _hostKey.Dispose();
    }
}
