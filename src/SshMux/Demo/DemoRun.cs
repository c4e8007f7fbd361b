using System.Diagnostics;
using System.Globalization;
using SshMux.Paths;
using SshMux.Relay;
using SshMux.Ssh;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Routing;

namespace SshMux.Demo;

/// <summary>What one demo session did.</summary>
internal sealed record DemoSession(int ExitCode, string Output, string Errors, TimeSpan Elapsed, int UpstreamConnectionsAfter);

/// <summary>
/// `ssh-mux demo`: everything in a temporary directory, nothing to configure. An embedded
/// upstream SSH server, a routes file and an ssh config written beside it, the gateway in
/// this process, and the real OpenSSH `ssh` run twice through the gateway: the first session
/// opens the upstream connection, the second reuses it.
/// </summary>
internal sealed class DemoRun : IAsyncDisposable
{
    public const string RouteName = "demo";

    private readonly DirectoryInfo _directory;
    private readonly SshLog _log;
    private EmbeddedUpstream? _upstreamServer;
    private Gateway? _gateway;
    private Task _gatewayLoop = Task.CompletedTask;
    private readonly CancellationTokenSource _stop = new();

    private DemoRun(DirectoryInfo directory, SshLog log)
    {
        _directory = directory;
        _log = log;
    }

    /// <summary>The temporary directory holding every key, config and known_hosts file of the demo.</summary>
    public string Directory => _directory.FullName;

    /// <summary>The ssh config that reaches the gateway as route "demo".</summary>
    public string SshConfig => Path.Combine(Directory, "ssh_config");

    public string RoutesFile => Path.Combine(Directory, "ssh-mux-routes.toml");

    public int UpstreamPort => _upstreamServer!.Port;

    public int GatewayPort => _gateway!.Port;

    /// <summary>SSH connections the upstream server has accepted so far.</summary>
    public int UpstreamConnections => _upstreamServer!.Connections;

    public static string UpstreamUser => Environment.UserName;

    /// <summary>Creates the directory (0700), the keys and files, and starts the upstream and the gateway.</summary>
    public static async Task<DemoRun> StartAsync(SshLog log)
    {
        var run = new DemoRun(System.IO.Directory.CreateTempSubdirectory("ssh-mux-demo-"), log);
        try
        {
            run.Start();
            return run;
        }
        catch
        {
            await run.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private string File(string name) => Path.Combine(Directory, name);

    private void Start()
    {
        // Throwaway keys, generated in-process: the upstream's host key, the key the gateway
        // signs in upstream with, and the key the ssh client signs in to the gateway with.
        using var upstreamUserKey = SshPrivateKey.Generate("ssh-ed25519");
        using var clientKey = SshPrivateKey.Generate("ssh-ed25519");
        KeyFileWriter.WriteKeyPair(File("id_upstream"), upstreamUserKey, "ssh-mux demo: gateway to upstream");
        KeyFileWriter.WriteKeyPair(File("id_client"), clientKey, "ssh-mux demo: ssh to gateway");

        _upstreamServer = new EmbeddedUpstream(SshPrivateKey.Generate("ssh-ed25519"), upstreamUserKey.PublicKey, _log);
        _upstreamServer.Start();
        WriteText("known_hosts", $"[127.0.0.1]:{Invariant(UpstreamPort)} {SshPublicKeyLine.Format(_upstreamServer.HostKey, null)}\n");
        WriteText("ssh-mux-authorized-keys", SshPublicKeyLine.Format(clientKey.PublicKey, "ssh-mux demo client") + "\n");
        WriteText("ssh-mux-routes.toml",
            $"""
            # Written by `ssh-mux demo`: one route to the embedded upstream server.
            [routes.{RouteName}]
            host = "127.0.0.1"
            port = {Invariant(UpstreamPort)}
            user = "{UpstreamUser}"
            identity_file = "{File("id_upstream")}"

            """);

        // The gateway as `ssh-mux serve --config` runs it, with this directory as its SSH
        // directory: the routes file above, known_hosts, ssh-mux-authorized-keys, its host key.
        var directory = new SshDirectory(Directory);
        var catalog = new RouteCatalog(directory, RoutesFile, useSshConfig: false, _log);
        _gateway = Gateway.Start(directory, Gateway.Routes(catalog), broker: null, new GatewayOptions { Port = 0 }, _log);
        _gatewayLoop = _gateway.RunAsync(_stop.Token);
        using var hostKey = PrivateKeyFile.Load(directory.HostKey);

        WriteText("ssh-mux-known-hosts", $"[127.0.0.1]:{Invariant(GatewayPort)} {SshPublicKeyLine.Format(hostKey.Key.PublicKey, null)}\n");
        WriteText("ssh_config",
            $"""
            # Written by `ssh-mux demo`: what `ssh-mux setup-config` writes for a route.
            Host {RouteName}
                HostName 127.0.0.1
                Port {Invariant(GatewayPort)}
                User {RouteName}
                IdentityFile {File("id_client")}
                IdentitiesOnly yes
                UserKnownHostsFile {File("ssh-mux-known-hosts")}
                GlobalKnownHostsFile /dev/null
                StrictHostKeyChecking yes
                PreferredAuthentications publickey
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                BatchMode yes
                LogLevel ERROR

            """);
    }

    private void WriteText(string name, string text) =>
        Ssh.Io.AtomicFile.Write(File(name), System.Text.Encoding.UTF8.GetBytes(text), UnixFileMode.UserRead | UnixFileMode.UserWrite);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Runs `ssh -F ssh_config demo COMMAND` and reports what it printed and how long it took.</summary>
    public async Task<DemoSession> RunSshAsync(string command, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ssh", ["-F", SshConfig, RouteName, command])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("The demo runs the OpenSSH client `ssh`, which could not be started (" + e.Message +
                "). Install it (Debian: apt-get install openssh-client) and run the demo again.", e);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            await Task.WhenAll(output, errors).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException("ssh did not finish within 60 seconds");
        }

        clock.Stop();
        return new DemoSession(process.ExitCode, output.Result, errors.Result, clock.Elapsed, UpstreamConnections);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync().ConfigureAwait(false);
            await _gatewayLoop.ConfigureAwait(false);
        }

        if (_upstreamServer is not null)
        {
            await _upstreamServer.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException e)
        {
            _log(SshLogLevel.Warning, $"Could not remove {Directory}: {e.Message}");
        }
    }
}
