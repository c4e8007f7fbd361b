using System.Globalization;
using System.Text.RegularExpressions;

namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// `ssh-mux serve` run as a child process, the way a user runs it: `dotnet ssh-mux.dll serve
/// --remote HOST:PORT -u USER -p 0` with HOME pointing at a test directory, so its SSH
/// directory (host key, ssh-mux-authorized-keys, known_hosts, id_*) is the test's. No agent
/// is visible to it. Its stderr is captured line by line; disposal kills it.
/// </summary>
public sealed partial class ServeInstance : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private ServeInstance(PeerProcess process, int port, string home)
    {
        Process = process;
        Port = port;
        Home = home;
    }

    /// <summary>The local port serve listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>The HOME serve runs with; its SSH directory is Home/.ssh.</summary>
    public string Home { get; }

    public string SshDirectory => Path.Combine(Home, ".ssh");

    /// <summary>serve's stdout and stderr.</summary>
    public PeerProcess Process { get; }

    /// <summary>
    /// ssh-mux.dll: the test project references src/SshMux, so the build copies it next to the
    /// test assembly. SSHMUX_SERVE_DLL names another build to test instead (a Release build,
    /// or an older commit to check that a test catches what it should).
    /// </summary>
    public static string DllPath => Environment.GetEnvironmentVariable("SSHMUX_SERVE_DLL") is { Length: > 0 } other
        ? other
        : Path.Combine(AppContext.BaseDirectory, "ssh-mux.dll");

    /// <summary>How many times serve opened the upstream connection, from its log.</summary>
    public int UpstreamConnects => Process.Count(l => l.Contains("connected and authenticated", StringComparison.Ordinal));

    /// <summary>serve's resident memory now (VmRSS in /proc/PID/status), in bytes.</summary>
    public long ResidentBytes => ProcStatus.ResidentBytes(Process.Id);

    /// <summary>
    /// Starts serve on a port the kernel picks (-p 0) and waits for "Listening on
    /// 127.0.0.1:PORT". <paramref name="home"/> must already hold whatever .ssh files the
    /// test wants serve to find.
    /// </summary>
    public static async Task<ServeInstance> StartAsync(string home, string remote, string user, IEnumerable<string>? extraArguments = null)
    {
        if (!File.Exists(DllPath))
        {
            Assert.Fail($"{DllPath} is missing: build tests/SshMux.Interop.Tests (it references src/SshMux).");
        }

        List<string> arguments = [DllPath, "serve", "--remote", remote, "-u", user, "-p", "0", .. extraArguments ?? []];
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home,

            // An empty socket path means no agent: serve must use only the test's keys.
            ["SSH_AUTH_SOCK"] = string.Empty,
        };
        var process = PeerProcess.Start("ssh-mux serve", DotnetHost(), arguments, environment);
        try
        {
            var line = await process.WaitForLineAsync(l => ListeningLine().IsMatch(l), StartTimeout, "\"Listening on 127.0.0.1:PORT\"").ConfigureAwait(false);
            var port = int.Parse(ListeningLine().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
            return new ServeInstance(process, port, home);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The dotnet host running these tests (the SDK exports DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        return Peers.Find("dotnet") ?? "dotnet";
    }

    [GeneratedRegex(@"Listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
