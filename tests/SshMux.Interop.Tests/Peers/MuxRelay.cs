using System.Globalization;
using System.Text.RegularExpressions;
using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Keys;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>
/// `ssh-mux serve` in front of a real sshd, for clients we did not write: a private sshd (the
/// upstream, with sftp-server and TCP forwarding) that lets the user running the tests in
/// with the upstream key, and serve run as a user runs it (`dotnet ssh-mux.dll serve --remote
/// 127.0.0.1:PORT -u USER -i KEY -p 0`) with HOME in the test's directory, whose .ssh holds
/// the upstream's known_hosts line and ssh-mux-authorized-keys with the client key. serve
/// makes its host key there on this first start; clients are told to expect exactly it.
/// Disposal kills serve and sshd and removes the directory.
/// </summary>
public sealed partial class MuxRelay : IAsyncDisposable
{
    /// <summary>
    /// sshd's lines (they go before SshdInstance's own, and sshd keeps the first value):
    /// LogLevel VERBOSE because at DEBUG3 sshd -e lets the session child print debug lines onto
    /// the session's stderr, which the tests compare byte for byte.
    /// </summary>
    private static readonly string[] SshdConfig =
    [
        "LogLevel VERBOSE",
        "Subsystem sftp /usr/lib/openssh/sftp-server",
        "AllowTcpForwarding yes",
        "PermitTTY yes",
    ];

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private MuxRelay(TempDirectory work, PeerClientKey clientKey, PeerClientKey upstreamKey, SshdInstance sshd, PeerProcess serve, int port, byte[] hostKeyBlob)
    {
        Work = work;
        ClientKey = clientKey;
        UpstreamKey = upstreamKey;
        Sshd = sshd;
        Serve = serve;
        Port = port;
        HostKeyBlob = hostKeyBlob;
    }

    /// <summary>The test's scratch directory; the upstream runs as the same user on this machine, so its paths are the same files.</summary>
    public TempDirectory Work { get; }

    /// <summary>The key serve lets in (listed in its ssh-mux-authorized-keys).</summary>
    public PeerClientKey ClientKey { get; }

    /// <summary>The key serve signs in to sshd with (sshd's authorized key), for a client that goes to sshd directly.</summary>
    public PeerClientKey UpstreamKey { get; }

    public SshdInstance Sshd { get; }

    /// <summary>serve's stderr log.</summary>
    public PeerProcess Serve { get; }

    /// <summary>serve's port on 127.0.0.1.</summary>
    public int Port { get; }

    public string PortText => Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>serve's host key blob, read from the .pub file it wrote.</summary>
    public byte[] HostKeyBlob { get; }

    public string HostKeyBase64 => Convert.ToBase64String(HostKeyBlob);

    /// <summary>"SHA256:..." of serve's host key, as plink's -hostkey takes it.</summary>
    public string HostKeyFingerprint => PeerClientKey.Sha256Fingerprint(HostKeyBlob);

    /// <summary>The user everything runs as: serve's -u and the local login name.</summary>
    public static string User => Environment.UserName;

    /// <summary>ssh-mux.dll: the test project references src/SshMux, so the build copies it next to the test assembly.</summary>
    public static string DllPath => System.IO.Path.Combine(AppContext.BaseDirectory, "ssh-mux.dll");

    public static async Task<MuxRelay> StartAsync(InteropRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!File.Exists("/usr/lib/openssh/sftp-server"))
        {
            Assert.Fail("/usr/lib/openssh/sftp-server is missing (apt-get install openssh-sftp-server).");
        }

        if (!File.Exists(DllPath))
        {
            Assert.Fail($"{DllPath} is missing: build tests/SshMux.Interop.Tests (it references src/SshMux).");
        }

        var work = new TempDirectory("sshmux-peers-");
        SshdInstance? sshd = null;
        PeerProcess? serve = null;
        try
        {
            var sshDirectory = System.IO.Path.Combine(work.File("home"), ".ssh");
            Directory.CreateDirectory(sshDirectory);
            var clientKey = await PeerClientKey.GenerateAsync(run, work.File("client_ed25519")).ConfigureAwait(false);
            var upstreamKey = await PeerClientKey.GenerateAsync(run, work.File("upstream_ed25519")).ConfigureAwait(false);
            sshd = run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], SshPublicKeyLine.Parse(upstreamKey.PublicKeyLine).Key, SshdConfig).ConfigureAwait(false));

            (serve, var port) = await StartServeAsync(run, work.File("home"), sshd.Port, sshd.HostKeys[0].PublicBlob, clientKey, upstreamKey.PrivateKeyPath).ConfigureAwait(false);
            var hostKeyLine = await File.ReadAllTextAsync(System.IO.Path.Combine(sshDirectory, "ssh-mux_host_ed25519_key.pub")).ConfigureAwait(false);
            await WarmUpAsync(run, port, clientKey).ConfigureAwait(false);
            return new MuxRelay(work, clientKey, upstreamKey, sshd, serve, port, PeerHostKeys.ParsePublicKeyLine(hostKeyLine, "ssh-ed25519"));
        }
        catch
        {
            if (serve is not null)
            {
                await serve.DisposeAsync().ConfigureAwait(false);
            }

            if (sshd is not null)
            {
                await sshd.DisposeAsync().ConfigureAwait(false);
            }

            work.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes serve's SSH directory under <paramref name="home"/> (known_hosts with the
    /// upstream's ed25519 key under [127.0.0.1]:PORT, ssh-mux-authorized-keys with the client
    /// key) and starts `dotnet ssh-mux.dll serve --remote 127.0.0.1:PORT -u USER -i KEY -p 0`
    /// with that HOME and no agent; returns once it listens, with its port.
    /// </summary>
    public static async Task<(PeerProcess Serve, int Port)> StartServeAsync(InteropRun run, string home, int upstreamPort, byte[] upstreamHostKey, PeerClientKey clientKey, string upstreamKeyPath)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(clientKey);
        var sshDirectory = System.IO.Path.Combine(home, ".ssh");
        Directory.CreateDirectory(sshDirectory);
        var upstream = upstreamPort.ToString(CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(System.IO.Path.Combine(sshDirectory, "known_hosts"), $"[127.0.0.1]:{upstream} ssh-ed25519 {Convert.ToBase64String(upstreamHostKey)}\n").ConfigureAwait(false);
        await File.WriteAllTextAsync(System.IO.Path.Combine(sshDirectory, "ssh-mux-authorized-keys"), clientKey.PublicKeyLine + "\n").ConfigureAwait(false);

        string[] arguments = [DllPath, "serve", "--remote", "127.0.0.1:" + upstream, "-u", User, "-i", upstreamKeyPath, "-p", "0"];
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home,

            // No agent: serve must use only the test's key upstream.
            ["SSH_AUTH_SOCK"] = string.Empty,
        };
        var serve = run.Track(PeerProcess.Start("ssh-mux serve", DotnetHost(), arguments, environment));
        try
        {
            var line = await serve.WaitForLineAsync(l => ListeningLine().IsMatch(l), StartTimeout, "\"Listening on 127.0.0.1:PORT\"").ConfigureAwait(false);
            return (serve, int.Parse(ListeningLine().Match(line).Groups[1].Value, CultureInfo.InvariantCulture));
        }
        catch
        {
            await serve.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Before the peer's first connection, ssh-mux's own client signs in to serve with the
    /// client key and runs `true` upstream, up to three times until one succeeds, so that the
    /// peer meets a serve that has run its accept, authentication and upstream code once and
    /// holds a live upstream connection. Two races of serve would otherwise decide the peer
    /// tests at random, mostly under load: (1) serve attaches its authentication layer only
    /// after SshTransport.AcceptAsync has returned, while the receive loop already runs, so an
    /// early USERAUTH_REQUEST is refused (see DbclientThroughServeTests, where dbclient meets
    /// it on every connection); (2) UpstreamConnector creates the upstream
    /// SshConnectionService only after authentication has returned, so sshd's
    /// hostkeys-00@openssh.com global request, sent right behind USERAUTH_SUCCESS, can find no
    /// connection service and close the upstream (see ServeUpstreamRaceTests). Every attempt
    /// is noted in the run's log.
    /// </summary>
    private static async Task WarmUpAsync(InteropRun run, int port, PeerClientKey clientKey)
    {
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await using var session = await OurSession.ConnectWithKeyAsync(run, port, User, clientKey, timeout.Token).ConfigureAwait(false);
                var result = await session.ExecAsync("true", pty: false, timeout.Token).ConfigureAwait(false);
                if (result.ExitStatus == 0)
                {
                    run.Note($"Warm-up through serve, attempt {attempt}: ok");
                    return;
                }

                run.Note($"Warm-up through serve, attempt {attempt}: {result}");
            }
#pragma warning disable CA1031 // The warm-up's outcome is not the test's: any failure is noted and tried again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                run.Note($"Warm-up through serve, attempt {attempt} failed: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    /// <summary>
    /// Runs a client through serve, and again (<paramref name="maxRuns"/> runs at most) when, and only when, it
    /// failed while serve logged a local connection that "did not authenticate": the symptom of
    /// serve attaching its authentication layer late (see <see cref="WarmUpAsync"/>), which the
    /// warm-up makes rare but cannot rule out, and which DbclientThroughServeTests shows on its
    /// own. Every retry is noted in the run's log.
    /// </summary>
    public async Task<T> RetryAttachRaceAsync<T>(InteropRun run, Func<Task<T>> client, Func<T, bool> succeeded, int maxRuns = 3)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(succeeded);
        for (var attempt = 1; ; attempt++)
        {
            var before = NotAuthenticated;
            Exception? error = null;
            T result = default!;
            try
            {
                result = await client().ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < maxRuns && e is not TimeoutException)
            {
                error = e;
            }

            if (error is null && (succeeded(result) || attempt == maxRuns))
            {
                return result;
            }

            if (!await AttachRaceSinceAsync(before).ConfigureAwait(false))
            {
                if (error is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
                }

                return result;
            }

            run.Note($"Client run {attempt} met serve's authentication attach race{(error is null ? string.Empty : " (" + error.Message.Split('\n')[0] + ")")}; running it again");
        }
    }

    private int NotAuthenticated => Serve.Count(l => l.Contains("did not authenticate", StringComparison.Ordinal));

    /// <summary>Whether serve logged a failed local authentication since <paramref name="before"/> (its log may lag the client a little).</summary>
    private async Task<bool> AttachRaceSinceAsync(int before)
    {
        try
        {
            await Serve.WaitUntilAsync(lines => lines.Count(l => l.Contains("did not authenticate", StringComparison.Ordinal)) > before, TimeSpan.FromSeconds(2), "a failed local authentication").ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>How many times serve opened its upstream connection, from its log.</summary>
    public int UpstreamConnects => Serve.Count(l => l.Contains("connected and authenticated", StringComparison.Ordinal));

    /// <summary>Random bytes in a file of the work directory, and their SHA-256.</summary>
    public async Task<(string Path, byte[] Sha256)> RandomFileAsync(string name, int bytes)
    {
        var data = new byte[bytes];
        System.Security.Cryptography.RandomNumberGenerator.Fill(data);
        var path = Work.File(name);
        await File.WriteAllBytesAsync(path, data).ConfigureAwait(false);
        return (path, System.Security.Cryptography.SHA256.HashData(data));
    }

    /// <summary>The SHA-256 of a file, or fails the test when it does not exist.</summary>
    public static async Task<byte[]> Sha256Async(string path)
    {
        Assert.True(File.Exists(path), $"{path} does not exist");
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return await System.Security.Cryptography.SHA256.HashDataAsync(stream).ConfigureAwait(false);
        }
    }

    /// <summary>The dotnet host running these tests (the SDK exports DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : Peers.Find("dotnet") ?? "dotnet";
    }

    [GeneratedRegex(@"Listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();

    public async ValueTask DisposeAsync()
    {
        await Serve.DisposeAsync().ConfigureAwait(false);
        await Sshd.DisposeAsync().ConfigureAwait(false);
        Work.Dispose();
    }
}
