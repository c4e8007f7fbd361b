using System.Globalization;
using System.Text.RegularExpressions;
using SshMux.Interop.Tests.Harness;

namespace SshMux.Tests.SignProxy;

/// <summary>
/// `ssh-mux sign-proxy` run as a user runs it (dotnet ssh-mux.dll sign-proxy): configured from
/// SSH_AGENT_PROXY_* variables and options, hardened on Linux, refusing bad configuration with
/// exit code 2 and a message.
/// </summary>
public sealed partial class SignProxyCommandTests(SignProxyKeysFixture keys) : IClassFixture<SignProxyKeysFixture>
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [PeerFact(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen)]
    public async Task Command_serves_from_environment_settings_and_hardens_the_process()
    {
        var key = keys.Key("ed25519");
        await using var agent = await TestAgent.StartAsync(key);
        await using var proxy = PeerProcess.Start("ssh-mux sign-proxy", Dotnet, [ServeInstance.DllPath, "sign-proxy", "--listen", "127.0.0.1:0"], new Dictionary<string, string>
        {
            ["SSH_AGENT_PROXY_UPSTREAM"] = agent.SocketPath,
            ["SSH_AGENT_PROXY_NAMESPACE"] = "file",
            ["SSH_AGENT_PROXY_PUBKEY_FILE"] = key.PublicPath,
        });
        var line = await proxy.WaitForLineAsync(l => ListeningLine().IsMatch(l), StartTimeout, "\"Listening on http://127.0.0.1:PORT\"");
        var port = int.Parse(ListeningLine().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);

        Assert.Contains("namespace \"file\"", line, StringComparison.Ordinal);
        Assert.Contains("pinned key ssh-ed25519 SHA256:", line, StringComparison.Ordinal);
        Assert.Contains(proxy.Lines, l => l.Contains("process hardening: not dumpable", StringComparison.Ordinal));
        var status = await File.ReadAllLinesAsync($"/proc/{proxy.Id}/status");
        Assert.Contains("NoNewPrivs:\t1", status);
        var limits = await File.ReadAllLinesAsync($"/proc/{proxy.Id}/limits");
        var core = limits.Single(l => l.StartsWith("Max core file size", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["0", "0"], core[4..6]);

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var message = "signed by the command\n"u8.ToArray();
        var answer = await client.SignAsync(message);
        Assert.True(answer.Status == 200, answer.ToString());
        Assert.Equal(await SignProxyTools.KeygenSignAsync(key, "file", message), answer.Body);
    }

    [Fact]
    public async Task Sigterm_stops_the_command_and_removes_its_unix_socket()
    {
        using var directory = new TempDirectory("sshmux-signterm-");
        var socketPath = directory.File("sign.sock");
        await using var proxy = PeerProcess.Start("ssh-mux sign-proxy", Dotnet, [ServeInstance.DllPath, "sign-proxy", "--listen", "unix:" + socketPath, "--upstream", directory.File("no-agent.sock")]);
        await proxy.WaitForLineAsync(l => l.Contains("Listening on unix:" + socketPath, StringComparison.Ordinal), StartTimeout, "\"Listening on unix:PATH\"");
        Assert.True(File.Exists(socketPath));

        var kill = await PipedProcess.RunAsync("kill", Peers.Find("kill") ?? "/bin/kill", ["-TERM", proxy.Id.ToString(CultureInfo.InvariantCulture)], null, StartTimeout);
        Assert.Equal(0, kill.ExitCode);
        var code = await proxy.WaitForExitAsync(StartTimeout);

        // 143 (128 + SIGTERM) is what System.CommandLine reports for a terminated command; the
        // unit file counts it as success (SuccessExitStatus=143).
        Assert.True(code is 0 or 143, $"exit {code}: {proxy.Tail()}");
        Assert.False(File.Exists(socketPath), "the socket is removed at shutdown");
    }

    [Fact]
    public async Task Appsettings_and_aspnetcore_variables_cannot_add_listeners()
    {
        using var directory = new TempDirectory("sshmux-signcfg-");
        var extraPort = FreePort.Next();
        var urlsPort = FreePort.Next();
        await File.WriteAllTextAsync(directory.File("appsettings.json"),
            $$"""{ "Kestrel": { "Endpoints": { "Extra": { "Url": "http://0.0.0.0:{{extraPort}}" } } } }""");
        // Started from that directory, as ASP.NET reads appsettings.json from the working directory by default.
        await using var proxy = PeerProcess.Start("ssh-mux sign-proxy", "/bin/sh",
            ["-c", "cd \"$1\" && exec \"$2\" \"$3\" sign-proxy --listen 127.0.0.1:0 --no-hardening", "sh", directory.Path, Dotnet, ServeInstance.DllPath],
            new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{urlsPort}" });
        await proxy.WaitForLineAsync(l => ListeningLine().IsMatch(l), StartTimeout, "\"Listening on http://127.0.0.1:PORT\"");

        foreach (var port in new[] { extraPort, urlsPort })
        {
            using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            var error = await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync(System.Net.IPAddress.Loopback, port));
            Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, error.SocketErrorCode);
        }
    }

    [Theory]
    [InlineData("--listen", "nonsense", "ssh-mux sign-proxy: --listen / SSH_AGENT_PROXY_ADDR: \"nonsense\" is not HOST:PORT")]
    [InlineData("--namespace", "a b", "ssh-mux sign-proxy: --namespace / SSH_AGENT_PROXY_NAMESPACE: ")]
    [InlineData("--pubkey-file", "/nonexistent.pub", "ssh-mux sign-proxy: --pubkey-file / SSH_AGENT_PROXY_PUBKEY_FILE: cannot read /nonexistent.pub")]
    [InlineData("--listen", "0.0.0.0:0", "no token is set")]
    public async Task Bad_configuration_exits_2_with_the_reason(string option, string value, string message)
    {
        await using var proxy = PeerProcess.Start("ssh-mux sign-proxy", Dotnet, [ServeInstance.DllPath, "sign-proxy", option, value]);

        var code = await proxy.WaitForExitAsync(StartTimeout);

        Assert.Equal(2, code);
        Assert.Contains(proxy.Lines, l => l.Contains(message, StringComparison.Ordinal));
    }

    /// <summary>The dotnet host running these tests (the SDK exports DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
        ? host
        : Peers.Find("dotnet") ?? "dotnet";

    [GeneratedRegex(@"Listening on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}
