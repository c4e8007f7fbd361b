using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SshMux.Interop.Tests.Harness;

namespace SshMux.Tests.Gateway;

/// <summary>
/// `ssh-mux daemon -p 0` run as a child process in a <see cref="GatewayHome"/>, and the
/// control commands (status, lock, unlock, stop, prompt) run against it the same way.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed partial class DaemonInstance : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private DaemonInstance(GatewayHome home, PeerProcess process, int port)
    {
        HomeDirectory = home;
        Process = process;
        Port = port;
    }

    public GatewayHome HomeDirectory { get; }

    public PeerProcess Process { get; }

    public int Port { get; }

    /// <summary>Starts the daemon; fails with its output unless it says "Listening on 127.0.0.1:PORT".</summary>
    public static Task<DaemonInstance> StartAsync(GatewayHome home, params string[] arguments) =>
        StartAsync(home, "daemon", arguments);

    /// <summary>Starts `ssh-mux SUBCOMMAND -p 0 ARGS` (daemon or serve) and waits until it listens.</summary>
    public static async Task<DaemonInstance> StartAsync(GatewayHome home, string subcommand, string[] arguments)
    {
        var process = Launch(home, subcommand, ["-p", "0", .. arguments]);
        try
        {
            var line = await process.WaitForLineAsync(l => ListeningLine().IsMatch(l), StartTimeout, "\"Listening on 127.0.0.1:PORT\"");
            if (subcommand == "daemon")
            {
                // The control socket comes up after the gateway: status must not race the start.
                await process.WaitForLineAsync(l => l.Contains("Control socket", StringComparison.Ordinal), StartTimeout, "\"Control socket\"");
            }

            return new DaemonInstance(home, process, int.Parse(ListeningLine().Match(line).Groups[1].Value, CultureInfo.InvariantCulture));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>ssh-mux SUBCOMMAND ARGS... in the test's HOME, with stdin closed and every line captured.</summary>
    public static PeerProcess Launch(GatewayHome home, string subcommand, IEnumerable<string> arguments)
    {
        if (!File.Exists(ServeInstance.DllPath))
        {
            Assert.Fail($"{ServeInstance.DllPath} is missing: build tests/SshMux.Tests (it references src/SshMux).");
        }

        // PeerProcess cannot remove a variable; an empty value means unset to ssh-mux as to ssh.
        var environment = home.Environment.ToDictionary(e => e.Key, e => e.Value ?? string.Empty);
        return PeerProcess.Start("ssh-mux " + subcommand, DotnetHost, [ServeInstance.DllPath, subcommand, .. arguments], environment);
    }

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : Peers.Find("dotnet") ?? "dotnet";

    /// <summary>Runs a control command (status, lock, unlock, stop) to its end.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        await using var process = Launch(HomeDirectory, arguments[0], arguments[1..]);
        var code = await process.WaitForExitAsync(GatewayHome.ClientTimeout);
        return (code, process.Output);
    }

    /// <summary>`ssh-mux status --json`: the entries of the pool.</summary>
    public async Task<IReadOnlyList<JsonElement>> StatusAsync()
    {
        var (code, output) = await RunAsync("status", "--json");
        Assert.True(code == 0, $"ssh-mux status --json: exit {code}\n{output}");
        var json = output.Split('\n').Single(l => l.TrimStart().StartsWith('{'));
        using var document = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.False, document.RootElement.GetProperty("locked").ValueKind);
        return [.. document.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>The status entries of one route.</summary>
    public async Task<IReadOnlyList<JsonElement>> EntriesAsync(string route) =>
        [.. (await StatusAsync()).Where(e => e.GetProperty("route").GetString() == route)];

    /// <summary>Starts `ssh-mux prompt` with answers coming from the test, line by line.</summary>
    public Task<PromptTerminal> AttachPromptAsync() => PromptTerminal.StartAsync(HomeDirectory);

    [GeneratedRegex(@"Listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
