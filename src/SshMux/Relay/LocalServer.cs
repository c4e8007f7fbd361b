using System.Net;
using System.Net.Sockets;
using SshMux.Paths;
using SshMux.Pool;
using SshMux.Routing;
using SshMux.Ssh;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Transport;

namespace SshMux.Relay;

/// <summary>Makes the authenticator of one local connection, given the client's address.</summary>
internal sealed record LocalAuthorization(Func<IPAddress?, IServerAuthenticator> ForClient);

/// <summary>Settings of the local server.</summary>
internal sealed record LocalServerSettings
{
    /// <summary>sshd's ClientAliveInterval / ClientAliveCountMax toward local clients.</summary>
    public KeepaliveSettings ClientKeepalive { get; init; } = KeepaliveSettings.Default;

    /// <summary>Called for every session channel relayed (route name, client address): desktop notifications.</summary>
    public Action<string, string>? SessionOpened { get; init; }
}

/// <summary>
/// The local SSH server on 127.0.0.1: publickey authentication only. The login name selects
/// the route (<see cref="RouteTable"/>), and every channel a client opens is relayed over a
/// pooled upstream connection of that route kept for the client's key, within what the key
/// allows (<see cref="SessionPolicy"/>) and the route allows (<see cref="LoopbackForwarding"/>).
/// Agent forwarding, X11 and remote forwarding are refused.
/// </summary>
internal sealed class LocalServer : IAsyncDisposable
{
    /// <summary>
    /// The local server's defaults: no NIST-curve key exchange, no encrypt-and-MAC MACs and
    /// nothing with SHA-1. Upstream connections keep the broad OpenSSH-compatible set.
    /// </summary>
    public static readonly IReadOnlyList<string> HardenedKeyExchanges =
        ["curve25519-sha256", "curve25519-sha256@libssh.org", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256"];

    public static readonly IReadOnlyList<string> HardenedMacs = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"];

    private readonly TcpListener _listener;
    private readonly SshPrivateKey _hostKey;
    private readonly LocalAuthorization _authorization;
    private readonly RouteTable _routes;
    private readonly UpstreamPool _pool;
    private readonly LocalServerSettings _settings;
    private readonly SshLog _log;
    private readonly CancellationTokenSource _stopping = new();
    private int _sessions;

    public LocalServer(int port, SshPrivateKey hostKey, LocalAuthorization authorization, RouteTable routes, UpstreamPool pool, SshLog log, LocalServerSettings? settings = null)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _hostKey = hostKey;
        _authorization = authorization;
        _routes = routes;
        _pool = pool;
        _settings = settings ?? new LocalServerSettings();
        _log = log;
        AcceptClient = _listener.AcceptTcpClientAsync;
    }

    /// <summary>Routed mode: the login name picks one of <paramref name="routes"/>.</summary>
    public static LocalServer ForRoutes(int port, SshPrivateKey hostKey, LocalAuthorization authorization, IReadOnlyList<Route> routes, UpstreamPool pool, SshLog log, LocalServerSettings? settings = null) =>
        new(port, hostKey, authorization, RouteTable.FromRoutes(routes), pool, log, settings);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>
    /// The limit on connections not yet authenticated (sshd's MaxStartups). sshd's 10:30:100
    /// would drop a user's own tools opening dozens of sessions at once through the relay
    /// (parallel ssh, ansible forks), so the loopback server starts dropping at 100.
    /// </summary>
    public StartupLimiter Startups { get; init; } = new(start: 100, rate: 30, full: 200);

    /// <summary>Time from connect until a client must have authenticated (sshd's LoginGraceTime).</summary>
    public TimeSpan LoginGraceTime { get; init; } = TimeSpan.FromSeconds(120);

    public void Start() => _listener.Start();

    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The accept call; tests replace it to inject the failures accept(2) can return.</summary>
    internal Func<CancellationToken, ValueTask<TcpClient>> AcceptClient { get; set; }

    /// <summary>Loads the host key, or generates and saves one (mode 0600) on first start.</summary>
    public static SshPrivateKey LoadOrCreateHostKey(SshDirectory directory, SshLog log)
    {
        var path = directory.HostKey;
        if (File.Exists(path))
        {
            // Like sshd: a host key others could read or replace is not this server's secret.
            FileSafety.Default.CheckSecretFile(path);

            // The file object owns the key, which lives as long as the server.
            return PrivateKeyFile.Load(path).Key;
        }

        SafeFile.CreatePrivateDirectory(directory.Path);
        var key = SshPrivateKey.Generate("ssh-ed25519");
        KeyFileWriter.WriteKeyPair(path, key, "ssh-mux local server");
        log(SshLogLevel.Info, $"Generated the local server's host key {path} ({key.PublicKey.GetSha256Fingerprint()})");
        return key;
    }

    /// <summary>
    /// Who may connect: ~/.ssh/ssh-mux-authorized-keys with sshd's authorized_keys semantics
    /// (options, cert-authority lines), read again on every attempt; or, when it does not
    /// exist at start, every ~/.ssh/*.pub without restrictions (with a warning, since any key
    /// of the user's then opens every route).
    /// </summary>
    public static LocalAuthorization LoadAuthorizedKeys(SshDirectory directory, SshLog log, bool permitUserEnvironment = false, IReadOnlyList<SshPublicKey>? trustedUserCaKeys = null)
    {
        // Trusted CAs are an explicit choice: with them, a missing file allows no plain key (no *.pub fallback).
        if (File.Exists(directory.AuthorizedKeys) || trustedUserCaKeys is { Count: > 0 })
        {
            // sshd's StrictModes: whoever can write the file (or redirect it) chooses who gets in.
            if (File.Exists(directory.AuthorizedKeys))
            {
                FileSafety.Default.CheckFile(directory.AuthorizedKeys);
            }

            var authenticator = new AuthorizedKeysAuthenticator(new AuthorizedKeysAuthenticatorOptions
            {
                AuthorizedKeysPath = directory.AuthorizedKeys,
                TrustedUserCaKeys = trustedUserCaKeys ?? [],
                PermitUserEnvironment = permitUserEnvironment,
                Log = log,
            });
            if (trustedUserCaKeys is { Count: > 0 })
            {
                log(SshLogLevel.Info, $"Accepting user certificates signed by {string.Join(", ", trustedUserCaKeys.Select(k => k.GetSha256Fingerprint()))} for the user names they list as principals");
            }

            var file = authenticator.Reload();
            var authorities = file?.Entries.Count(e => e.Options.CertAuthority) ?? 0;
            log(SshLogLevel.Info, $"Allowing the {(file?.Entries.Count ?? 0) - authorities} key(s) and the certificates of {authorities} cert-authority line(s) in {directory.AuthorizedKeys} (read again on every attempt)");
            return new LocalAuthorization(authenticator.ForClient);
        }

        var keys = new PublicKeyListAuthenticator();
        var count = 0;
        foreach (var pub in Directory.Exists(directory.Path) ? Directory.EnumerateFiles(directory.Path, "*.pub") : [])
        {
            // The local server's own host key, and certificates (KEY-cert.pub), which are not keys to allow.
            if (Path.GetFileName(pub).StartsWith("ssh-mux_host", StringComparison.Ordinal) || pub.EndsWith("-cert.pub", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                FileSafety.Default.CheckFile(pub);
                keys.Add(SshPublicKeyLine.Parse(File.ReadAllText(pub).Trim()).Key);
                count++;
            }
            catch (Exception e) when (e is SshException or FormatException or IOException)
            {
                log(SshLogLevel.Warning, $"Ignoring {pub}: {e.Message}");
            }
        }

        log(SshLogLevel.Warning, $"WARNING: {directory.AuthorizedKeys} does not exist, so the {count} public key(s) in {directory.Path}/*.pub may use ssh-mux. " +
            $"Create {directory.AuthorizedKeys} to choose which keys may.");
        return new LocalAuthorization(_ => keys);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        while (!linked.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await AcceptClient(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is SocketException or IOException && !linked.IsCancellationRequested)
            {
                // accept(2) fails for one connection or for a while (ECONNABORTED, EMFILE when
                // out of descriptors) while the listener stays good: keep serving, without
                // spinning while descriptors are short.
                _log(SshLogLevel.Warning, $"Accepting a connection failed: {e.Message}; retrying in 100 ms");
                try
                {
                    await Task.Delay(AcceptRetryDelay, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }

            client.NoDelay = true;
            if (Startups.TryEnter(out var refusal) is not { } slot)
            {
                _log(SshLogLevel.Warning, $"Dropped connection from {client.Client.RemoteEndPoint}: {refusal}");
                client.Dispose();
                continue;
            }

            SshTransport.RunDetached(() => ServeAsync(client, slot));
        }
    }

    private async Task ServeAsync(TcpClient client, StartupLimiter.Slot slot)
    {
        using var startup = slot;
        var remote = client.Client.RemoteEndPoint?.ToString() ?? "?";
        SshTransport transport;
        SshServerAuthentication? auth = null;
        SshConnectionService? connectionService = null;
        Lazy<Route?>? route = null;
        try
        {
            var options = new SshServerOptions
            {
                HostKeys = [_hostKey],
                KeyExchangeAlgorithms = HardenedKeyExchanges,
                HostKeyAlgorithms = ["ssh-ed25519"],
                Macs = HardenedMacs,
                Log = _log,
            };

            // The layers are attached before the first packet is read: a client's
            // authentication request may follow its NEWKEYS in the same segment.
            transport = await SshTransport.AcceptAsync(new QuickAckStream(client.Client), options, t =>
            {
                var router = new SshServiceRouter(t);
                auth = new SshServerAuthentication(router, _authorization.ForClient((client.Client.RemoteEndPoint as IPEndPoint)?.Address), new ServerAuthOptions { Log = _log, GracePeriod = LoginGraceTime });
                var authentication = auth;

                // The route is looked up once per connection, after authentication (both users
                // await it first): a routes file or ssh config edit applies to new connections,
                // as ssh reads its config once per run, and no channel open reads the files again.
                route = new Lazy<Route?>(() => _routes.Resolve(authentication.Completion.GetAwaiter().GetResult().User));
                var connectionRoute = route;
                var connection = new SshConnectionService(router)
                {
                    ChannelOpenHandler = (open, ct) => OpenAsync(open, authentication, connectionRoute, t, remote, ct),

                    // A client's CLOSE is answered once the upstream has closed too, so an
                    // exit-status sent after EOF still reaches the client (PuTTY closes on EOF).
                    AnswerCloseAtOnce = false,
                };
                connection.GlobalRequestHandler = (request, _) =>
                {
                    // Remote forwarding (tcpip-forward, streamlocal-forward) is refused, as in the seed.
                    _log(SshLogLevel.Info, $"Refused global request {request.RequestName} from {remote}");
                    return ValueTask.FromResult((false, Array.Empty<byte>()));
                };
                connectionService = connection;
            }, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or OperationCanceledException)
        {
            _log(SshLogLevel.Info, $"Local connection from {remote} failed before authentication: {e.Message}");
            client.Dispose();
            return;
        }

        SshKeepalive? keepalive = null;
        try
        {
            var result = await auth!.Completion.ConfigureAwait(false);
            var policy = new SessionPolicy(result.Restrictions, remote, _log);
            var selected = route!.Value;
            _log(SshLogLevel.Info, $"Local client {remote} authenticated as {VersionExchange.Printable(result.User, 64)} with {result.PublicKeys.FirstOrDefault()?.GetSha256Fingerprint()} ({policy.Describe()}){(selected is null ? ", which is not a route" : $", route {selected.Name}")}");
            keepalive = SshKeepalive.Start(connectionService!, _settings.ClientKeepalive, "client " + remote);
        }
        catch (Exception e) when (e is SshException or OperationCanceledException)
        {
            _log(SshLogLevel.Info, $"Local client {remote} did not authenticate: {e.Message}");
        }

        startup.Dispose();

        await transport.Completion.ConfigureAwait(false);
        keepalive?.Dispose();
        client.Dispose();
    }

    private async Task<ChannelOpenDecision> OpenAsync(IncomingChannelOpen open, SshServerAuthentication auth, Lazy<Route?> connectionRoute, SshTransport local, string remote, CancellationToken cancellationToken)
    {
        if (open.ChannelType is not ("session" or "direct-tcpip" or "direct-streamlocal@openssh.com"))
        {
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.AdministrativelyProhibited, $"{open.ChannelType} channels are not relayed by ssh-mux");
        }

        // The router passes connection messages on only after authentication succeeded, which completes this first.
        var result = await auth.Completion.ConfigureAwait(false);
        if (connectionRoute.Value is not { } route)
        {
            var refusal = _routes.Refusal(result.User);
            _log(SshLogLevel.Info, $"Refused {open.ChannelType} channel from {remote}: {refusal}");
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.AdministrativelyProhibited, refusal);
        }

        var policy = new SessionPolicy(result.Restrictions, remote, _log);
        if ((policy.CheckOpen(open.ChannelType, open.Data) ?? LoopbackForwarding.Check(route, open.ChannelType, open.Data, result.Restrictions)) is { } why)
        {
            policy.LogRefusal($"{open.ChannelType} channel", why);
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.AdministrativelyProhibited, "ssh-mux: " + why);
        }

        // Never shared across local keys: the key the client signed in with is the pool's "local user".
        var localUser = result.PublicKeys.FirstOrDefault()?.GetSha256Fingerprint() ?? "user:" + result.User;
        PooledChannel lease;
        try
        {
            lease = await _pool.OpenChannelAsync(route, localUser, open.ChannelType, open.Data, () => !local.IsClosed, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelOpenException e)
        {
            return ChannelOpenDecision.Reject(e.FailureReason, e.Description);
        }
        catch (SshException e)
        {
            _log(SshLogLevel.Error, $"Route {route.Name}: upstream connection failed: {e.Message}");
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.ConnectFailed, $"ssh-mux could not reach {route.Name}: {e.Message}");
        }

        Interlocked.Increment(ref _sessions);
        if (open.ChannelType == "session")
        {
            _settings.SessionOpened?.Invoke(route.Name, remote);
        }

        return ChannelOpenDecision.Accept(async channel =>
        {
            try
            {
                await ChannelRelay.RunAsync(channel, lease.Channel, policy, lease).ConfigureAwait(false);
            }
            finally
            {
                lease.Dispose();
                Interlocked.Decrement(ref _sessions);
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        _listener.Dispose();
        _stopping.Dispose();
    }
}
