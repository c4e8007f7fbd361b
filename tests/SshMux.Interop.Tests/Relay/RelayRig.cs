using System.Globalization;
using System.Text;
using SshMux.Interop.Tests.Harness;

namespace SshMux.Interop.Tests.Relay;

/// <summary>What serve's known_hosts says about the upstream sshd's host key.</summary>
internal enum UpstreamTrust
{
    /// <summary>known_hosts lists sshd's key.</summary>
    Known,

    /// <summary>known_hosts is empty.</summary>
    Unknown,

    /// <summary>known_hosts lists another ed25519 key for sshd's [127.0.0.1]:PORT.</summary>
    Changed,
}

internal sealed record RelayRigOptions
{
    public UpstreamTrust Trust { get; init; } = UpstreamTrust.Known;

    /// <summary>Pass the upstream key with -i instead of leaving it at ~/.ssh/id_ed25519 for serve to find.</summary>
    public bool IdentityOption { get; init; }

    /// <summary>
    /// Take serve's local authentication path once before the test (a client that offers no
    /// key), so the test's first connection does not meet the attach race of
    /// <see cref="RelayAuthAttachRaceTests"/> in a process that has yet to compile that code.
    /// </summary>
    public bool WarmUp { get; init; } = true;

    /// <summary>More sshd_config lines (they take precedence over the rig's).</summary>
    public IReadOnlyList<string> SshdConfig { get; init; } = [];
}

/// <summary>
/// One relay under test: a private sshd (the upstream) that lets the test user in with the
/// upstream key, `ssh-mux serve` relaying to it with its own HOME, and the OpenSSH client
/// options (ssh, sftp, scp) that reach serve with the client key, checking serve's host key
/// strictly. Runs as the user running the tests, usually root (sshd is told to allow root
/// in with a key).
/// </summary>
internal sealed class RelayRig : IAsyncDisposable
{
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// How often a client may meet the attach race before its test fails. Under load a
    /// quarter of the handshakes of 50 clients at once have met it, so a few tries are needed
    /// for 50 clients to all get through.
    /// </summary>
    private const int AttachRaceAttempts = 8;

    /// <summary>
    /// sshd: no debug log (with -e sshd's session child prints its debug lines onto the
    /// session's stderr, which the exact-bytes tests would see); sftp for sftp and scp;
    /// every environment variable accepted so that only serve can refuse one; room for the
    /// 50-session test on one connection (MaxSessions defaults to 10).
    /// </summary>
    private static readonly string[] SshdBaseConfig =
    [
        "LogLevel VERBOSE",
        "Subsystem sftp /usr/lib/openssh/sftp-server",
        "AcceptEnv *",
        "MaxSessions 100",
        "AllowTcpForwarding yes",
        "AllowStreamLocalForwarding yes",
        "AllowAgentForwarding yes",
        "PermitTTY yes",
    ];

    private RelayRig(InteropRun run, TempDirectory work, UserKey clientKey, UserKey upstreamKey, SshdInstance sshd, ServeInstance serve, string clientKnownHosts)
    {
        Run = run;
        Work = work;
        ClientKey = clientKey;
        UpstreamKey = upstreamKey;
        Sshd = sshd;
        Serve = serve;
        ClientKnownHosts = clientKnownHosts;
    }

    public InteropRun Run { get; }

    /// <summary>Scratch space for the test's files; serve's HOME is Work/home.</summary>
    public TempDirectory Work { get; }

    /// <summary>The key serve allows (in ssh-mux-authorized-keys).</summary>
    public UserKey ClientKey { get; }

    /// <summary>The key sshd allows, which serve uses upstream.</summary>
    public UserKey UpstreamKey { get; }

    public SshdInstance Sshd { get; }

    public ServeInstance Serve { get; }

    /// <summary>A known_hosts file listing serve's host key (for the client's strict check).</summary>
    public string ClientKnownHosts { get; }

    /// <summary>The user name used everywhere: serve's -u, and the local login name.</summary>
    public static string User => Environment.UserName;

    public string Target => User + "@127.0.0.1";

    /// <summary>The environment of every OpenSSH client: no agent unless a test adds one.</summary>
    public static IReadOnlyDictionary<string, string?> ClientEnvironment { get; } = new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null };

    public static async Task<RelayRig> StartAsync(InteropRun run, RelayRigOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        options ??= new RelayRigOptions();
        if (!File.Exists("/usr/lib/openssh/sftp-server"))
        {
            Assert.Fail("/usr/lib/openssh/sftp-server is missing (apt-get install openssh-sftp-server).");
        }

        var work = new TempDirectory("sshmux-relay-");
        SshdInstance? sshd = null;
        try
        {
            var home = work.File("home");
            var sshDirectory = Path.Combine(home, ".ssh");
            Directory.CreateDirectory(sshDirectory);
            var clientKey = await UserKey.GenerateAsync(work.File("client_ed25519")).ConfigureAwait(false);
            var upstreamKey = await UserKey.GenerateAsync(options.IdentityOption ? work.File("upstream_ed25519") : Path.Combine(sshDirectory, "id_ed25519")).ConfigureAwait(false);

            sshd = run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], upstreamKey.PublicKey, [.. options.SshdConfig, .. SshdBaseConfig]).ConfigureAwait(false));
            var hostName = $"[127.0.0.1]:{sshd.Port.ToString(CultureInfo.InvariantCulture)}";
            var knownHosts = options.Trust switch
            {
                UpstreamTrust.Known => $"{hostName} ssh-ed25519 {Convert.ToBase64String(sshd.HostKeys[0].PublicBlob)}\n",
                UpstreamTrust.Changed => $"{hostName} {(await UserKey.GenerateAsync(work.File("impostor_ed25519")).ConfigureAwait(false)).PublicKeyLine}\n",
                _ => string.Empty,
            };
            await File.WriteAllTextAsync(Path.Combine(sshDirectory, "known_hosts"), knownHosts).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(sshDirectory, "ssh-mux-authorized-keys"), clientKey.PublicKeyLine + "\n").ConfigureAwait(false);

            string[] serveArguments = options.IdentityOption ? ["-i", upstreamKey.PrivateKeyPath] : [];
            var serve = await ServeInstance.StartAsync(home, $"127.0.0.1:{sshd.Port.ToString(CultureInfo.InvariantCulture)}", User, serveArguments).ConfigureAwait(false);
            run.Track(serve.Process);

            // serve generated its host key on this first start: the client trusts exactly it.
            var serveHostKey = (await File.ReadAllTextAsync(Path.Combine(sshDirectory, "ssh-mux_host_ed25519_key.pub")).ConfigureAwait(false)).Trim();
            var clientKnownHosts = work.File("client_known_hosts");
            await File.WriteAllTextAsync(clientKnownHosts, $"[127.0.0.1]:{serve.Port.ToString(CultureInfo.InvariantCulture)} {serveHostKey}\n").ConfigureAwait(false);
            var rig = new RelayRig(run, work, clientKey, upstreamKey, sshd, serve, clientKnownHosts);
            if (options.WarmUp)
            {
                await rig.WarmUpAsync().ConfigureAwait(false);
            }

            return rig;
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

    /// <summary>Lets the clients trust serve's host key on another port too (a serve restarted on a new port).</summary>
    public Task TrustServePortAsync(int port)
    {
        var key = File.ReadAllText(Path.Combine(Serve.SshDirectory, "ssh-mux_host_ed25519_key.pub")).Trim();
        return File.AppendAllTextAsync(ClientKnownHosts, $"[127.0.0.1]:{port.ToString(CultureInfo.InvariantCulture)} {key}\n");
    }

    /// <summary>
    /// Options every OpenSSH client (ssh, sftp, scp) gets: no configuration files, no prompts,
    /// only the given key, serve's host key checked strictly, quiet unless a test asks.
    /// </summary>
    public List<string> ClientOptions(string logLevel = "ERROR", string? identity = null) =>
    [
        "-F", "/dev/null",
        "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes",
        "-i", identity ?? ClientKey.PrivateKeyPath,
        "-o", "UserKnownHostsFile=" + ClientKnownHosts,
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "LogLevel=" + logLevel,
        "-o", "ConnectTimeout=20",
        "-o", "ConnectionAttempts=1",
    ];

    /// <summary>ssh's arguments for running <paramref name="command"/> through serve, with extra options before the host.</summary>
    public List<string> SshArguments(string? command, IEnumerable<string>? options = null, string logLevel = "ERROR", int? port = null, string? identity = null)
    {
        List<string> arguments = [.. ClientOptions(logLevel, identity), "-p", (port ?? Serve.Port).ToString(CultureInfo.InvariantCulture), .. options ?? [], Target];
        if (command is not null)
        {
            arguments.Add(command);
        }

        return arguments;
    }

    /// <summary>Runs ssh through serve to the end, feeding it <paramref name="stdin"/> (seekable, for a retry).</summary>
    public Task<PipedResult> SshAsync(string? command, IEnumerable<string>? options = null, Stream? stdin = null, string logLevel = "ERROR", TimeSpan? timeout = null, IReadOnlyDictionary<string, string?>? environment = null) =>
        RunClientAsync(Peers.Ssh, SshArguments(command, options, logLevel), stdin, timeout, environment);

    /// <summary>
    /// Starts a session through serve whose command first prints <paramref name="firstOutput"/>
    /// and reads that much of its stdout, starting ssh again if it met the attach race before;
    /// the caller reads the rest and disposes it.
    /// </summary>
    public async Task<PipedProcess> StartSessionAsync(string command, string firstOutput, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var raceLines = AttachRaceLogLines;
            var ssh = StartSsh(command);
            try
            {
                var received = await ReadAtMostAsync(ssh.Stdout, Encoding.UTF8.GetByteCount(firstOutput), cancellationToken).ConfigureAwait(false);
                if (Encoding.UTF8.GetString(received) == firstOutput)
                {
                    return ssh;
                }

                await ssh.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                if (!MetAttachRace(raceLines, ssh.StderrText) || attempt == AttachRaceAttempts)
                {
                    Assert.Fail($"ssh's output ended before \"{firstOutput.Trim()}\" (got {received.Length} bytes): {ssh.StderrText}");
                }

                Run.Note($"Session hit serve's layer attach race (attempt {attempt}), retrying: {ssh.StderrText.Trim()}");
            }
            catch
            {
                await ssh.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            await ssh.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>How many times serve has logged a symptom of the attach race so far.</summary>
    public int AttachRaceLogLines => Serve.Process.Count(IsAttachRaceLogLine);

    /// <summary>Whether a client that failed met the attach race: by what it printed, or by what serve logged since <paramref name="raceLinesBefore"/>.</summary>
    public bool MetAttachRace(int raceLinesBefore, string clientOutput) => TellsAttachRace(clientOutput) || AttachRaceLogLines > raceLinesBefore;

    /// <summary>Reads until <paramref name="count"/> bytes or the end of the stream, within 30 s.</summary>
    private static async Task<byte[]> ReadAtMostAsync(Stream stream, int count, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return buffer[..read];
    }

    /// <summary>Starts ssh through serve with its stdin closed; the caller reads its stdout and disposes it.</summary>
    public PipedProcess StartSsh(string? command, IEnumerable<string>? options = null, string logLevel = "ERROR")
    {
        var ssh = PipedProcess.Start("ssh", Peers.Require(Peers.Ssh), SshArguments(command, options, logLevel), ClientEnvironment);
        ssh.Stdin.Close();
        return ssh;
    }

    /// <summary>Runs another OpenSSH program (sftp, scp) with the client options and the given arguments.</summary>
    public Task<PipedResult> ClientAsync(string program, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        RunClientAsync(program, [.. ClientOptions(), .. arguments], null, timeout, null);

    /// <summary>
    /// Runs an OpenSSH client program with exactly these arguments, to the end;
    /// <paramref name="serve"/> is the serve it goes through when not the rig's own.
    /// </summary>
    public Task<PipedResult> RunClientAsync(string program, IReadOnlyList<string> arguments, Stream? stdin = null, TimeSpan? timeout = null, IReadOnlyDictionary<string, string?>? environment = null, ServeInstance? serve = null) =>
        RetryAttachRaceAsync(serve ?? Serve, () =>
        {
            stdin?.Seek(0, SeekOrigin.Begin);
            return PipedProcess.RunAsync(program, Peers.Require(program), arguments, stdin, timeout ?? ClientTimeout, environment ?? ClientEnvironment);
        });

    /// <summary>
    /// Runs a client again (up to <see cref="AttachRaceAttempts"/> times in all) when, and only when, it failed with a symptom of
    /// serve's layer attach race, which <see cref="RelayAuthAttachRaceTests"/> tests on its
    /// own: other tests check what they are about, and note in their log that it happened.
    /// </summary>
    private async Task<PipedResult> RetryAttachRaceAsync(ServeInstance serve, Func<Task<PipedResult>> client)
    {
        for (var attempt = 1; ; attempt++)
        {
            var raceLines = serve.Process.Count(IsAttachRaceLogLine);
            var result = await client().ConfigureAwait(false);

            // ssh exits 255 then; sftp and scp, which run ssh, exit 1; under script(1) ssh's
            // stderr is the terminal, which script copies to its stdout.
            var raced = result.ExitCode != 0
                && (TellsAttachRace(result.StderrText) || TellsAttachRace(result.StdoutText) || serve.Process.Count(IsAttachRaceLogLine) > raceLines);
            if (attempt == AttachRaceAttempts || !raced)
            {
                return result;
            }

            Run.Note($"Client hit serve's layer attach race (attempt {attempt}), retrying: {result.StderrText.Trim()}");
        }
    }

    /// <summary>What OpenSSH says when serve's transport, with no authentication layer yet, told it no method can continue.</summary>
    private static bool TellsAttachRace(string clientOutput) => clientOutput.Contains("Permission denied ().", StringComparison.Ordinal);

    /// <summary>
    /// serve's own account of the race once its router exists: an authentication or a
    /// connection message that came before the layer for it was attached.
    /// </summary>
    private static bool IsAttachRaceLogLine(string line) =>
        line.Contains("no authentication is in progress", StringComparison.Ordinal)
        || line.Contains("no connection service is running", StringComparison.Ordinal);

    /// <summary>
    /// A client offering no key: serve (the rig's, or <paramref name="serve"/>) runs its key
    /// exchange and authentication code once, and opens nothing upstream.
    /// </summary>
    public async Task WarmUpAsync(ServeInstance? serve = null)
    {
        string[] noKey = ["-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=publickey"];
        var result = await PipedProcess.RunAsync("ssh (warm-up)", Peers.Require(Peers.Ssh), SshArguments("true", noKey, port: (serve ?? Serve).Port), null, ClientTimeout, ClientEnvironment).ConfigureAwait(false);
        Run.Note($"Warm-up connection to serve: exit {result.ExitCode}: {result.StderrText.Trim()}");
    }

    /// <summary>sshd's "Accepted publickey for USER" lines: how many connections it authenticated.</summary>
    public int SshdAuthentications => Sshd.Process.Count(l => l.Contains("Accepted publickey for " + User + " ", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await Serve.DisposeAsync().ConfigureAwait(false);
        await Sshd.DisposeAsync().ConfigureAwait(false);
        Work.Dispose();
    }
}
