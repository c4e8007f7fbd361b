using System.Globalization;
using System.Text.RegularExpressions;
using SshMux.Interop.Tests.Harness;

namespace SshMux.Interop.Tests.Authz;

/// <summary>The outcome of one ssh run through the relay: exit code and everything it printed (stdout and stderr merged).</summary>
public sealed record SshRun(int ExitCode, IReadOnlyList<string> Lines)
{
    public string Output => string.Join('\n', Lines);
}

/// <summary>
/// A relay for authorization tests: a private sshd as the upstream (it lets the user running
/// the tests in with the relay's upstream key), and `dotnet ssh-mux.dll serve --remote
/// 127.0.0.1:PORT -u USER -p 0` as a child process with HOME set to a temp directory whose
/// .ssh holds the upstream key, sshd's host key in known_hosts, and ssh-mux-authorized-keys,
/// which tests rewrite between runs (serve reads it on every attempt). The real ssh reaches
/// serve with the test's key and its KEY-cert.pub.
/// </summary>
public sealed partial class AuthzRelay : IAsyncDisposable
{
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ServeStartTimeout = TimeSpan.FromSeconds(60);

    private AuthzRelay(TempDirectory work, string home, SshdInstance sshd, PeerProcess serve, int port)
    {
        Work = work;
        Home = home;
        Sshd = sshd;
        Serve = serve;
        Port = port;
    }

    public TempDirectory Work { get; }

    public string Home { get; }

    public SshdInstance Sshd { get; }

    /// <summary>serve's log (stderr).</summary>
    public PeerProcess Serve { get; }

    /// <summary>The local port serve listens on.</summary>
    public int Port { get; }

    /// <summary>The login name everywhere: serve's -u upstream, and the name ssh sends to serve (certificate principals name it).</summary>
    public static string User => Environment.UserName;

    public string AuthorizedKeysPath => Path.Combine(Home, ".ssh", "ssh-mux-authorized-keys");

    /// <summary>ssh-mux.dll, copied next to the test assembly because the test project references src/SshMux.</summary>
    public static string ServeDll => Path.Combine(AppContext.BaseDirectory, "ssh-mux.dll");

    /// <summary>Starts sshd (with extra sshd_config lines, which win over the defaults) and serve with an empty ssh-mux-authorized-keys.</summary>
    public static async Task<AuthzRelay> StartAsync(params string[] sshdConfig)
    {
        if (!File.Exists(ServeDll))
        {
            Assert.Fail($"{ServeDll} is missing: build tests/SshMux.Interop.Tests (it references src/SshMux).");
        }

        var work = new TempDirectory("sshmux-authz-");
        SshdInstance? sshd = null;
        try
        {
            var home = work.File("home");
            var sshDirectory = Path.Combine(home, ".ssh");
            Directory.CreateDirectory(sshDirectory);
            var upstreamKey = await AuthzKeygen.GenerateAsync(Path.Combine(sshDirectory, "id_ed25519")).ConfigureAwait(false);

            // LogLevel VERBOSE: DEBUG lines of sshd's session child would land in the session's stderr.
            sshd = await SshdInstance.StartAsync(["ssh-ed25519"], upstreamKey.PublicKey, [.. sshdConfig, "LogLevel VERBOSE"]).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(sshDirectory, "known_hosts"),
                $"[127.0.0.1]:{sshd.Port.ToString(CultureInfo.InvariantCulture)} ssh-ed25519 {Convert.ToBase64String(sshd.HostKeys[0].PublicBlob)}\n").ConfigureAwait(false);

            // The file exists from the start, so serve uses it (and not the ~/.ssh/*.pub fallback).
            await File.WriteAllTextAsync(Path.Combine(sshDirectory, "ssh-mux-authorized-keys"), string.Empty).ConfigureAwait(false);

            var serve = PeerProcess.Start("ssh-mux serve", DotnetHost(),
                [ServeDll, "serve", "--remote", $"127.0.0.1:{sshd.Port.ToString(CultureInfo.InvariantCulture)}", "-u", User, "-p", "0"],
                new Dictionary<string, string> { ["HOME"] = home, ["SSH_AUTH_SOCK"] = string.Empty });
            int port;
            try
            {
                var line = await serve.WaitForLineAsync(l => Listening().IsMatch(l), ServeStartTimeout, "\"Listening on 127.0.0.1:PORT\"").ConfigureAwait(false);
                port = int.Parse(Listening().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
            }
            catch
            {
                await serve.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            var relay = new AuthzRelay(work, home, sshd, serve, port);
            await relay.WarmUpAsync().ConfigureAwait(false);
            return relay;
        }
        catch
        {
            if (sshd is not null)
            {
                await sshd.DisposeAsync().ConfigureAwait(false);
            }

            work.Dispose();
            throw;
        }
    }

    /// <summary>Adds serve's and sshd's output to what the test prints when it fails.</summary>
    public void TrackIn(InteropRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        run.Track(Serve);
        run.Track(Sshd);
    }

    public Task SetAuthorizedKeysAsync(params string[] lines) => File.WriteAllTextAsync(AuthorizedKeysPath, string.Join('\n', lines) + "\n");

    /// <summary>A new key in the test's scratch directory.</summary>
    public Task<AuthzKey> NewKeyAsync(string name) => AuthzKeygen.GenerateAsync(Work.File(name));

    /// <summary>How many lines serve has logged: pass it to <see cref="WaitForServeLogAsync"/> to look only at what comes after.</summary>
    public int ServeLogMark => Serve.Lines.Count;

    /// <summary>Waits for serve to log a line containing every fragment after <paramref name="mark"/>.</summary>
    public Task<string> WaitForServeLogAsync(int mark, params string[] fragments) =>
        WaitForLineAfterAsync(Serve, mark, fragments);

    public static async Task<string> WaitForLineAfterAsync(PeerProcess process, int mark, params string[] fragments)
    {
        ArgumentNullException.ThrowIfNull(process);
        string? found = null;
        await process.WaitUntilAsync(
            lines => (found = lines.Skip(mark).FirstOrDefault(l => fragments.All(f => l.Contains(f, StringComparison.Ordinal)))) is not null,
            TimeSpan.FromSeconds(20),
            "a log line with " + string.Join(" and ", fragments.Select(f => $"\"{f}\""))).ConfigureAwait(false);
        return found!;
    }

    /// <summary>
    /// Runs ssh through serve with <paramref name="key"/> (ssh also offers KEY-cert.pub when it
    /// exists) and <paramref name="options"/> before the destination, at LogLevel INFO (which
    /// shows "channel 0: open failed: ..."). Retried (twice at most)
    /// only on the symptom of serve's known authentication attach race, which is not what
    /// these tests are about.
    /// </summary>
    public async Task<SshRun> SshAsync(AuthzKey key, string? command, params string[] options)
    {
        ArgumentNullException.ThrowIfNull(key);
        List<string> arguments =
        [
            "-F", "/dev/null",
            "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes",
            "-i", key.PrivateKeyPath,
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "LogLevel=INFO",
            "-o", "ConnectTimeout=30",
            "-o", "ConnectionAttempts=1",
            "-p", Port.ToString(CultureInfo.InvariantCulture),
            .. options,
            User + "@127.0.0.1",
        ];
        if (command is not null)
        {
            arguments.Add(command);
        }

        for (var attempt = 1; ; attempt++)
        {
            var run = await RunSshAsync(arguments).ConfigureAwait(false);
            var race = run.ExitCode == 255
                && (run.Output.Contains("Permission denied ().", StringComparison.Ordinal) || run.Output.Contains("no authentication is in progress", StringComparison.Ordinal));
            if (!race || attempt == 3)
            {
                return run;
            }
        }
    }

    private static async Task<SshRun> RunSshAsync(IEnumerable<string> arguments)
    {
        await using var ssh = PeerProcess.Start("ssh", Peers.Require(Peers.Ssh), arguments, new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = string.Empty });
        var code = await ssh.WaitForExitAsync(ClientTimeout).ConfigureAwait(false);
        return new SshRun(code, ssh.Lines);
    }

    /// <summary>One connection that offers no key, so serve's first real client does not meet a process still compiling its code.</summary>
    private async Task WarmUpAsync()
    {
        var key = await NewKeyAsync("warmup_ed25519").ConfigureAwait(false);
        await SshAsync(key, "true", "-o", "PubkeyAuthentication=no").ConfigureAwait(false);
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : Peers.Find("dotnet") ?? "dotnet";
    }

    [GeneratedRegex(@"Listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();

    public async ValueTask DisposeAsync()
    {
        await Serve.DisposeAsync().ConfigureAwait(false);
        await Sshd.DisposeAsync().ConfigureAwait(false);
        Work.Dispose();
    }
}

/// <summary>One relay shared by the tests of a class, started by the first test that needs it (so a skipped class starts nothing).</summary>
public sealed class AuthzRelayFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AuthzRelay? _relay;

    public async Task<AuthzRelay> GetAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return _relay ??= await AuthzRelay.StartAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_relay is not null)
        {
            await _relay.DisposeAsync().ConfigureAwait(false);
        }

        _gate.Dispose();
    }
}
