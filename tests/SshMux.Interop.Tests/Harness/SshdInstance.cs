using System.Globalization;
using System.Text;
using SshMux.Ssh.Keys;

namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// A private OpenSSH server for one test: /usr/sbin/sshd -f CONFIG -D -e on a free loopback
/// port, with its own temp directory, host keys made by ssh-keygen, LogLevel DEBUG3 (so the
/// negotiated algorithms appear in its log) and per-test configuration lines such as
/// "KexAlgorithms X" or "RekeyLimit 32K". Disposal kills it and its per-connection children.
/// </summary>
public sealed class SshdInstance : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _directory;

    private SshdInstance(TempDirectory directory, PeerProcess process, int port, IReadOnlyList<PeerHostKey> hostKeys)
    {
        _directory = directory;
        Process = process;
        Port = port;
        HostKeys = hostKeys;
    }

    public int Port { get; }

    public IReadOnlyList<PeerHostKey> HostKeys { get; }

    /// <summary>sshd's stderr, including its per-connection children's.</summary>
    public PeerProcess Process { get; }

    public OpenSshKexLog KexLog => OpenSshKexLog.Parse(Process.Lines);

    /// <summary>Starts sshd with host keys of the given types (wire names) and extra sshd_config lines.</summary>
    public static Task<SshdInstance> StartAsync(IEnumerable<string> hostKeyTypes, params string[] configLines) =>
        StartAsync(hostKeyTypes, null, configLines);

    /// <summary>
    /// As above; with <paramref name="authorizedKey"/>, sshd also lets the user running the
    /// tests (<see cref="Environment.UserName"/>) sign in with that key.
    /// </summary>
    public static async Task<SshdInstance> StartAsync(IEnumerable<string> hostKeyTypes, SshPublicKey? authorizedKey, params string[] configLines)
    {
        var sshd = Peers.Require(Peers.Sshd);
        EnsurePrivilegeSeparationDirectory();
        var keys = await Task.WhenAll(hostKeyTypes.Select(PeerHostKeys.OpenSshAsync)).ConfigureAwait(false);

        // The port is free when chosen but may be taken before sshd binds it: retry then.
        for (var attempt = 1; ; attempt++)
        {
            var directory = new TempDirectory("sshmux-sshd-");
            var port = FreePort.Next();
            var config = directory.File("sshd_config");
            var lines = configLines.AsEnumerable();
            if (authorizedKey is not null)
            {
                var authorizedKeys = directory.File("authorized_keys");
                await File.WriteAllTextAsync(authorizedKeys, $"{authorizedKey.KeyType} {Convert.ToBase64String(authorizedKey.Blob.Span)} sshmux-interop\n").ConfigureAwait(false);
                lines = lines.Concat(["PubkeyAuthentication yes", "AuthorizedKeysFile " + authorizedKeys, "PermitRootLogin prohibit-password"]);
            }

            await File.WriteAllTextAsync(config, BuildConfig(directory, port, keys, lines)).ConfigureAwait(false);
            var process = PeerProcess.Start($"sshd:{port}", sshd, ["-f", config, "-D", "-e"]);
            try
            {
                var listening = $"Server listening on 127.0.0.1 port {port.ToString(CultureInfo.InvariantCulture)}.";
                await process.WaitForLineAsync(l => l.Contains(listening, StringComparison.Ordinal) || l.Contains("Address already in use", StringComparison.Ordinal), StartTimeout, "the listening socket").ConfigureAwait(false);
                if (process.Count(l => l.Contains("Address already in use", StringComparison.Ordinal)) == 0)
                {
                    return new SshdInstance(directory, process, port, keys);
                }

                if (attempt >= 5)
                {
                    throw new InvalidOperationException($"sshd could not bind a free port in {attempt} attempts\n{process.Tail()}");
                }
            }
            catch
            {
                await process.DisposeAsync().ConfigureAwait(false);
                directory.Dispose();
                throw;
            }

            await process.DisposeAsync().ConfigureAwait(false);
            directory.Dispose();
        }
    }

    private static string BuildConfig(TempDirectory directory, int port, IEnumerable<PeerHostKey> keys, IEnumerable<string> extra)
    {
        var config = new StringBuilder();

        // sshd_config keeps the first value it reads for most keywords: the test's lines go first.
        foreach (var line in extra)
        {
            config.Append(line).Append('\n');
        }

        config.Append(CultureInfo.InvariantCulture, $"ListenAddress 127.0.0.1\nPort {port}\n");
        foreach (var key in keys)
        {
            config.Append(CultureInfo.InvariantCulture, $"HostKey {key.PrivateKeyPath}\n");
        }

        config.Append(CultureInfo.InvariantCulture, $"PidFile {directory.File("sshd.pid")}\n");

        // Sessions get an empty HOME: bash, run by sshd for exec, sources ~/.bashrc, and a
        // developer's dotfiles (a pyenv rehash racing its sibling sessions) would otherwise
        // write to the stderr the tests compare. The account's home (sshd's chdir) is unchanged.
        var sessionHome = directory.File("session-home");
        Directory.CreateDirectory(sessionHome);
        config.Append(CultureInfo.InvariantCulture, $"SetEnv HOME={sessionHome}\n");
        config.Append("""
            StrictModes no
            UsePAM no
            LogLevel DEBUG3
            LoginGraceTime 60
            PermitRootLogin no
            PubkeyAuthentication no
            AuthorizedKeysFile none
            UseDNS no
            MaxStartups 100

            """);

        return config.ToString();
    }

    /// <summary>
    /// sshd refuses to start as root without its privilege separation directory; test.sh
    /// creates it, but a developer running dotnet test directly as root may not have it.
    /// </summary>
    private static void EnsurePrivilegeSeparationDirectory()
    {
        if (!OperatingSystem.IsWindows() && Environment.UserName == "root" && !Directory.Exists("/run/sshd"))
        {
            try
            {
                Directory.CreateDirectory("/run/sshd", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
            catch (IOException)
            {
                // sshd will say what is wrong.
            }
        }
    }

    /// <summary>Waits until sshd has logged the negotiated algorithms of <paramref name="exchanges"/> key exchanges.</summary>
    public async Task<OpenSshKexLog> WaitForKexLogAsync(int exchanges = 1)
    {
        await Process.WaitUntilAsync(
            lines => lines.Count(l => l.Contains("kex: client->server ", StringComparison.Ordinal)) >= exchanges
                && lines.Count(l => l.Contains("kex: server->client ", StringComparison.Ordinal)) >= exchanges,
            TimeSpan.FromSeconds(15),
            $"the log of {exchanges} key exchange(s)").ConfigureAwait(false);
        return KexLog;
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync().ConfigureAwait(false);
        _directory.Dispose();
    }
}
