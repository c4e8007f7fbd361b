using System.Collections.Concurrent;
using System.Globalization;
using SshMux.Interop.Tests.Harness;
using SshMux.Pool;
using SshMux.Relay;
using SshMux.Routing;
using SshMux.Ssh;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Trust;

namespace SshMux.Interop.Tests.Relay;

/// <summary>
/// serve's local server run inside the test process, so a test can set its MaxStartups limit
/// and login grace time and read its counters, relaying to a private sshd. The OpenSSH client
/// reaches it with the client key; its log lines are kept for the test to check.
/// </summary>
internal sealed class InProcessRelay : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly UpstreamPool _upstream;
    private readonly Task _running;

    private InProcessRelay(TempDirectory work, UserKey clientKey, SshdInstance sshd, UpstreamPool upstream, LocalServer server, ConcurrentQueue<string> log)
    {
        Work = work;
        ClientKey = clientKey;
        Sshd = sshd;
        _upstream = upstream;
        Server = server;
        Log = log;
        server.Start();
        _running = server.RunAsync(_stop.Token);
    }

    public TempDirectory Work { get; }

    public UserKey ClientKey { get; }

    public SshdInstance Sshd { get; }

    public LocalServer Server { get; }

    /// <summary>The server's log, "Level message" per line.</summary>
    public ConcurrentQueue<string> Log { get; }

    public int Port => Server.Port;

    public static async Task<InProcessRelay> StartAsync(InteropRun run, StartupLimiter startups, TimeSpan loginGraceTime)
    {
        var work = new TempDirectory("sshmux-flood-");
        try
        {
            var clientKey = await UserKey.GenerateAsync(work.File("client_ed25519")).ConfigureAwait(false);
            var upstreamKey = await UserKey.GenerateAsync(work.File("upstream_ed25519")).ConfigureAwait(false);
            var sshd = run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], upstreamKey.PublicKey, "LogLevel VERBOSE", "MaxSessions 100").ConfigureAwait(false));
            var knownHosts = work.File("known_hosts");
            await File.WriteAllTextAsync(knownHosts, $"[127.0.0.1]:{sshd.Port.ToString(CultureInfo.InvariantCulture)} ssh-ed25519 {Convert.ToBase64String(sshd.HostKeys[0].PublicBlob)}\n").ConfigureAwait(false);

            var lines = new ConcurrentQueue<string>();
            var transportLog = run.TransportLog("relay");
            SshLog log = (level, message) =>
            {
                lines.Enqueue($"{level} {message}");
                transportLog(level, message);
            };
            var target = new UpstreamTarget("127.0.0.1", sshd.Port, Environment.UserName, [upstreamKey.PrivateKeyPath]);
            var upstream = new UpstreamPool(new UpstreamConnector(new KnownHostsTrust([knownHosts], log), null, log), new PoolOptions(), log);
            var authorized = new PublicKeyListAuthenticator([clientKey.PublicKey]);
            var route = new Route(Environment.UserName, target.Hop, [], AllowRemoteLoopbackAnyPort: false, RelayKeyboardInteractive: false, Source: "test");
            var server = new LocalServer(0, SshPrivateKey.Generate("ssh-ed25519"), new LocalAuthorization(_ => authorized), RouteTable.Single(route), upstream, log)
            {
                Startups = startups,
                LoginGraceTime = loginGraceTime,
            };
            return new InProcessRelay(work, clientKey, sshd, upstream, server, lines);
        }
        catch
        {
            work.Dispose();
            throw;
        }
    }

    /// <summary>Runs OpenSSH's ssh through the relay, offering <paramref name="identities"/> (the client key by default) in order.</summary>
    public Task<PipedResult> SshAsync(string command, IEnumerable<string>? identities = null, string logLevel = "ERROR", TimeSpan? timeout = null) =>
        PipedProcess.RunAsync("ssh", Peers.Require(Peers.Ssh),
        [
            "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", .. (identities ?? [ClientKey.PrivateKeyPath]).SelectMany(i => new[] { "-i", i }),
            "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no",
            "-o", "LogLevel=" + logLevel, "-o", "ConnectTimeout=20", "-o", "ConnectionAttempts=1",
            "-p", Port.ToString(CultureInfo.InvariantCulture), Environment.UserName + "@127.0.0.1", command,
        ], null, timeout ?? TimeSpan.FromSeconds(60), RelayRig.ClientEnvironment);

    public int CountLog(string fragment) => Log.Count(l => l.Contains(fragment, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Server.DisposeAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        await _upstream.DisposeAsync().ConfigureAwait(false);
        await Sshd.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        Work.Dispose();
    }
}
