using System.Collections.Concurrent;
using System.Globalization;
using SshMux.Interop.Tests.Harness;
using SshMux.Pool;
using SshMux.Relay;
using SshMux.Routing;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Keys;
using SshMux.Trust;

namespace SshMux.Tests.Pool;

/// <summary>Settings of one <see cref="PoolRig"/>.</summary>
internal sealed record PoolRigOptions
{
    public PoolOptions Pool { get; init; } = new() { ReapInterval = TimeSpan.FromMilliseconds(250) };

    public KeepaliveSettings UpstreamKeepalive { get; init; } = KeepaliveSettings.Disabled;

    public KeepaliveSettings ClientKeepalive { get; init; } = KeepaliveSettings.Disabled;
}

/// <summary>
/// The multiplexer in-process: a LocalServer in routed mode over an UpstreamPool, with real
/// OpenSSH sshd upstreams (each lets the test user in with the upstream key) and the real
/// OpenSSH client downstream, signing in with one of two local keys. Routes can be added
/// while it runs, once the sshds they name have started.
/// </summary>
internal sealed class PoolRig : IAsyncDisposable
{
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(40);

    private readonly InteropRun _run;
    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _serverLoop = Task.CompletedTask;

    private PoolRig(InteropRun run, TempDirectory work, UserKey upstreamKey, UserKey[] clientKeys)
    {
        _run = run;
        Work = work;
        UpstreamKey = upstreamKey;
        ClientKeys = clientKeys;
        KnownHosts = work.File("known_hosts");
        ClientKnownHosts = work.File("client_known_hosts");
    }

    public TempDirectory Work { get; }

    public UserKey UpstreamKey { get; }

    /// <summary>Two local keys the local server accepts: the pool never shares a connection between them.</summary>
    public UserKey[] ClientKeys { get; }

    /// <summary>ssh-mux's known_hosts: every sshd the rig started, and every alias port added.</summary>
    public string KnownHosts { get; }

    public string ClientKnownHosts { get; }

    public UpstreamPool Pool { get; private set; } = null!;

    public LocalServer Server { get; private set; } = null!;

    public static string User => Environment.UserName;

    public static async Task<PoolRig> StartAsync(InteropRun run, PoolRigOptions? options = null)
    {
        options ??= new PoolRigOptions();
        var work = new TempDirectory("sshmux-pool-");
        var upstreamKey = await UserKey.GenerateAsync(work.File("upstream_ed25519"));
        UserKey[] clientKeys = [await UserKey.GenerateAsync(work.File("client1_ed25519")), await UserKey.GenerateAsync(work.File("client2_ed25519"))];
        var rig = new PoolRig(run, work, upstreamKey, clientKeys);
        await File.WriteAllTextAsync(rig.KnownHosts, string.Empty);
        var log = run.TransportLog("mux");
        var connector = new UpstreamConnector(new KnownHostsTrust([rig.KnownHosts], log), null, log, new UpstreamSettings { Keepalive = options.UpstreamKeepalive, ConnectTimeout = TimeSpan.FromSeconds(20) });
        rig.Pool = new UpstreamPool(connector, options.Pool, log);
        var hostKey = SshPrivateKey.Generate("ssh-ed25519");
        var keys = new PublicKeyListAuthenticator(clientKeys.Select(k => k.PublicKey));
        var table = new RouteTable(name => rig._routes.GetValueOrDefault(name), () => [.. rig._routes.Keys.Order(StringComparer.Ordinal)]);
        rig.Server = new LocalServer(0, hostKey, new LocalAuthorization(_ => keys), table, rig.Pool, log, new LocalServerSettings { ClientKeepalive = options.ClientKeepalive });
        rig.Server.Start();
        rig._serverLoop = rig.Server.RunAsync(rig._stop.Token);
        await File.WriteAllTextAsync(rig.ClientKnownHosts, $"[127.0.0.1]:{rig.Server.Port.ToString(CultureInfo.InvariantCulture)} ssh-ed25519 {Convert.ToBase64String(hostKey.PublicKey.Blob.Span)}\n");
        return rig;
    }

    /// <summary>Starts an sshd that lets the test user in with the upstream key, and trusts its host key.</summary>
    public async Task<SshdInstance> StartSshdAsync(params string[] configLines)
    {
        var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], UpstreamKey.PublicKey, configLines));
        lock (_owned)
        {
            _owned.Add(sshd);
        }

        await TrustPortAsync(sshd, sshd.Port);
        return sshd;
    }

    /// <summary>Lists the sshd's host key for another port too (a proxy in front of it).</summary>
    public Task TrustPortAsync(SshdInstance sshd, int port) =>
        File.AppendAllTextAsync(KnownHosts, $"[127.0.0.1]:{port.ToString(CultureInfo.InvariantCulture)} ssh-ed25519 {Convert.ToBase64String(sshd.HostKeys[0].PublicBlob)}\n");

    public void Own(IAsyncDisposable thing)
    {
        lock (_owned)
        {
            _owned.Add(thing);
        }
    }

    public RouteHop Hop(int port, string? proxyCommand = null) =>
        new("127.0.0.1", port, User, [UpstreamKey.PrivateKeyPath], IdentitiesOnly: true, ProxyCommand: proxyCommand, HostKeyPolicy: HostKeyPolicy.Strict);

    public Route AddRoute(string name, RouteHop target, IReadOnlyList<RouteHop>? jumps = null, bool allowLoopback = false)
    {
        var route = new Route(name, target, jumps ?? [], allowLoopback, RelayKeyboardInteractive: false, Source: "test");
        _routes[name] = route;
        return route;
    }

    /// <summary>ssh's arguments: no configuration, only the given local key, the local server's key checked strictly.</summary>
    public List<string> SshArguments(string route, string? command, int key = 0, IEnumerable<string>? options = null, int? port = null)
    {
        List<string> arguments =
        [
            "-F", "/dev/null",
            "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes",
            "-i", ClientKeys[key].PrivateKeyPath,
            "-o", "UserKnownHostsFile=" + ClientKnownHosts,
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "HostKeyAlias=[127.0.0.1]:" + Server.Port.ToString(CultureInfo.InvariantCulture),
            "-o", "ConnectTimeout=20",
            "-o", "ConnectionAttempts=1",
            "-p", (port ?? Server.Port).ToString(CultureInfo.InvariantCulture),
            .. options ?? [],
            "-l", route,
            "127.0.0.1",
        ];
        if (command is not null)
        {
            arguments.Add(command);
        }

        return arguments;
    }

    public Task<PipedResult> SshAsync(string route, string? command, int key = 0, IEnumerable<string>? options = null, int? port = null) =>
        PipedProcess.RunAsync("ssh", Peers.Require(Peers.Ssh), SshArguments(route, command, key, options, port), null, ClientTimeout, NoAgent);

    /// <summary>Starts ssh with its stdin closed; the caller reads its output and disposes it.</summary>
    public PipedProcess StartSsh(string route, string command, int key = 0, int? port = null)
    {
        var ssh = PipedProcess.Start("ssh", Peers.Require(Peers.Ssh), SshArguments(route, command, key, null, port), NoAgent);
        ssh.Stdin.Close();
        return ssh;
    }

    private static readonly Dictionary<string, string?> NoAgent = new() { ["SSH_AUTH_SOCK"] = null };

    /// <summary>Reads a started ssh's stdout until <paramref name="expected"/> has appeared.</summary>
    public static async Task<string> ReadUntilAsync(PipedProcess ssh, string expected, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ClientTimeout);
        var text = new System.Text.StringBuilder();
        var buffer = new byte[4096];
        while (!text.ToString().Contains(expected, StringComparison.Ordinal))
        {
            var n = await ssh.Stdout.ReadAsync(buffer, timeout.Token);
            if (n == 0)
            {
                Assert.Fail($"ssh's output ended before \"{expected}\": {text}\n{ssh.StderrText}");
            }

            text.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, n));
        }

        return text.ToString();
    }

    /// <summary>Waits until the condition holds, checking every 100 ms, or fails after <paramref name="limit"/>.</summary>
    public static async Task WaitForAsync(Func<bool> condition, TimeSpan limit, string what)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {limit.TotalSeconds:0.#} s waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>sshd's "Accepted publickey" lines: the upstream connections it authenticated.</summary>
    public static int Accepted(SshdInstance sshd) => sshd.Process.Count(l => l.Contains("Accepted publickey for " + User + " ", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Server.DisposeAsync();
        await _serverLoop.WaitAsync(TimeSpan.FromSeconds(5));
        await Pool.DisposeAsync();
        List<IAsyncDisposable> owned;
        lock (_owned)
        {
            owned = [.. _owned];
        }

        foreach (var thing in owned)
        {
            await thing.DisposeAsync();
        }

        _stop.Dispose();
        Work.Dispose();
    }
}
