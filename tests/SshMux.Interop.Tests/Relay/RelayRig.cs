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

    /// <summary>More arguments for serve (flags under test).</summary>
    public IReadOnlyList<string> ServeArguments { get; init; } = [];
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

    private RelayRig(TempDirectory work, UserKey clientKey, UserKey upstreamKey, SshdInstance sshd, ServeInstance serve, string clientKnownHosts)
    {
        Work = work;
        ClientKey = clientKey;
        UpstreamKey = upstreamKey;
        Sshd = sshd;
        Serve = serve;
        ClientKnownHosts = clientKnownHosts;
    }

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

            sshd = run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], upstreamKey.PublicKey, SshdBaseConfig).ConfigureAwait(false));
            var hostName = $"[127.0.0.1]:{sshd.Port.ToString(CultureInfo.InvariantCulture)}";
            var knownHosts = options.Trust switch
            {
                UpstreamTrust.Known => $"{hostName} ssh-ed25519 {Convert.ToBase64String(sshd.HostKeys[0].PublicBlob)}\n",
                UpstreamTrust.Changed => $"{hostName} {(await UserKey.GenerateAsync(work.File("impostor_ed25519")).ConfigureAwait(false)).PublicKeyLine}\n",
                _ => string.Empty,
            };
            await File.WriteAllTextAsync(Path.Combine(sshDirectory, "known_hosts"), knownHosts).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(sshDirectory, "ssh-mux-authorized-keys"), clientKey.PublicKeyLine + "\n").ConfigureAwait(false);

            string[] serveArguments = [.. options.IdentityOption ? ["-i", upstreamKey.PrivateKeyPath] : Array.Empty<string>(), .. options.ServeArguments];
            var serve = await ServeInstance.StartAsync(home, $"127.0.0.1:{sshd.Port.ToString(CultureInfo.InvariantCulture)}", User, serveArguments).ConfigureAwait(false);
            run.Track(serve.Process);

            // serve generated its host key on this first start: the client trusts exactly it.
            var serveHostKey = (await File.ReadAllTextAsync(Path.Combine(sshDirectory, "ssh-mux_host_ed25519_key.pub")).ConfigureAwait(false)).Trim();
            var clientKnownHosts = work.File("client_known_hosts");
            await File.WriteAllTextAsync(clientKnownHosts, $"[127.0.0.1]:{serve.Port.ToString(CultureInfo.InvariantCulture)} {serveHostKey}\n").ConfigureAwait(false);
            return new RelayRig(work, clientKey, upstreamKey, sshd, serve, clientKnownHosts);
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

    /// <summary>Runs ssh through serve to the end, feeding it <paramref name="stdin"/>.</summary>
    public Task<PipedResult> SshAsync(string? command, IEnumerable<string>? options = null, Stream? stdin = null, string logLevel = "ERROR", TimeSpan? timeout = null, IReadOnlyDictionary<string, string?>? environment = null) =>
        RunClientAsync(Peers.Ssh, SshArguments(command, options, logLevel), stdin, timeout, environment);

    /// <summary>
    /// Starts a session through serve whose command first prints <paramref name="firstOutput"/>
    /// and reads that much of its stdout; the caller reads the rest and disposes it.
    /// </summary>
    public async Task<PipedProcess> StartSessionAsync(string command, string firstOutput, CancellationToken cancellationToken)
    {
        var ssh = StartSsh(command);
        try
        {
            var received = await ReadAtMostAsync(ssh.Stdout, Encoding.UTF8.GetByteCount(firstOutput), cancellationToken).ConfigureAwait(false);
            Assert.True(Encoding.UTF8.GetString(received) == firstOutput, $"ssh's output ended before \"{firstOutput.Trim()}\" (got {received.Length} bytes): {ssh.StderrText}");
            return ssh;
        }
        catch
        {
            await ssh.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

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

    /// <summary>Runs an OpenSSH client program with exactly these arguments, to the end.</summary>
    public Task<PipedResult> RunClientAsync(string program, IReadOnlyList<string> arguments, Stream? stdin = null, TimeSpan? timeout = null, IReadOnlyDictionary<string, string?>? environment = null) =>
        PipedProcess.RunAsync(program, Peers.Require(program), arguments, stdin, timeout ?? ClientTimeout, environment ?? ClientEnvironment);

    /// <summary>sshd's "Accepted publickey for USER" lines: how many connections it authenticated.</summary>
    public int SshdAuthentications => Sshd.Process.Count(l => l.Contains("Accepted publickey for " + User + " ", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await Serve.DisposeAsync().ConfigureAwait(false);
        await Sshd.DisposeAsync().ConfigureAwait(false);
        Work.Dispose();
    }
}
