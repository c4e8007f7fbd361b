using System.Net;
using System.Net.Sockets;
using System.Text;
using SshMux.Cli;
using SshMux.Interop.Tests.Harness;
using SshMux.Pool;

namespace SshMux.Tests.Control;

/// <summary>status, lock, unlock, stop, daemon and connect, run as the built ssh-mux program.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ControlCommandTests
{
    [Fact]
    public async Task Status_prints_the_pool_as_a_table()
    {
        await using var rig = new ControlRig();
        rig.Pool.Entries.Add(new PoolEntryStatus("web", "deploy@10.0.0.10:22", TimeSpan.FromSeconds(3725), TimeSpan.FromSeconds(42), 3, 1536, 3 * 1024 * 1024, "active"));
        rig.Pool.Entries.Add(new PoolEntryStatus("db\u001b[2J", "admin@[fd00::20]:2222", TimeSpan.FromSeconds(90000), TimeSpan.Zero, 0, 12, 0, "draining"));
        var result = await SshMuxProcess.RunAsync(rig.Environment, null, "status");
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("ssh-mux daemon: pool unlocked, 2 connections", lines[0]);
        Assert.Matches(@"^ROUTE\s+UPSTREAM\s+AGE\s+IDLE\s+CHANNELS\s+BYTES IN/OUT\s+STATE$", lines[1]);
        Assert.Matches(@"^web\s+deploy@10\.0\.0\.10:22\s+1h02m\s+42s\s+3\s+1\.5 KiB/3\.0 MiB\s+active$", lines[2]);
        Assert.Matches(@"^db\s+admin@\[fd00::20\]:2222\s+1d01h\s+0s\s+0\s+12 B/0 B\s+draining$", lines[3]);

        // Columns line up: every row's UPSTREAM starts where the heading's does.
        var column = lines[1].IndexOf("UPSTREAM", StringComparison.Ordinal);
        Assert.All(lines[2..], l => Assert.NotEqual(' ', l[column]));
        Assert.All(lines[2..], l => Assert.Equal(' ', l[column - 1]));
        Assert.DoesNotContain('\u001b', result.StdoutText);
    }

    [Fact]
    public async Task Lock_and_unlock_change_the_pool_and_status_shows_it()
    {
        await using var rig = new ControlRig();
        var locked = await SshMuxProcess.RunAsync(rig.Environment, null, "lock");
        Assert.True(locked.ExitCode == 0, locked.ToString());
        Assert.Contains("locked", locked.StdoutText, StringComparison.Ordinal);
        Assert.True(rig.Pool.IsLocked);
        var status = await SshMuxProcess.RunAsync(rig.Environment, null, "status", "--json");
        Assert.Equal("{\"locked\":true,\"entries\":[]}\n", status.StdoutText);
        var unlocked = await SshMuxProcess.RunAsync(rig.Environment, null, "unlock");
        Assert.True(unlocked.ExitCode == 0, unlocked.ToString());
        Assert.False(rig.Pool.IsLocked);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("stop")]
    [InlineData("lock")]
    [InlineData("unlock")]
    public async Task Without_a_daemon_each_command_says_so_and_exits_1(string command)
    {
        using var runtime = new TempDirectory("sshmux-control-");
        var result = await SshMuxProcess.RunAsync(new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = runtime.Path }, null, command);
        Assert.True(result.ExitCode == ExitCodes.Unreachable, result.ToString());
        Assert.Contains($"ssh-mux {command}: No ssh-mux daemon is running", result.StderrText, StringComparison.Ordinal);
        Assert.Contains("ssh-mux daemon", result.StderrText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_daemon_without_a_gateway_serves_status_lock_and_stop()
    {
        using var runtime = new TempDirectory("sshmux-control-");
        var environment = new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = runtime.Path, ["SSH_ASKPASS"] = null };
        await using var daemon = SshMuxProcess.Start(environment, "daemon");
        var socket = Path.Combine(runtime.Path, "ssh-mux", "control.sock");
        await WaitForAsync(() => File.Exists(socket), daemon);

        var second = await SshMuxProcess.RunAsync(environment, null, "daemon");
        Assert.True(second.ExitCode == ExitCodes.ProtocolFailure, second.ToString());
        Assert.Contains("already running", second.StderrText, StringComparison.Ordinal);

        var status = await SshMuxProcess.RunAsync(environment, null, "status");
        Assert.Equal("ssh-mux daemon: pool unlocked, 0 connections\n", status.StdoutText);
        Assert.Equal(0, (await SshMuxProcess.RunAsync(environment, null, "lock")).ExitCode);
        Assert.Equal("ssh-mux daemon: pool locked (new sessions are refused), 0 connections\n", (await SshMuxProcess.RunAsync(environment, null, "status")).StdoutText);

        var stop = await SshMuxProcess.RunAsync(environment, null, "stop");
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(socket));
        Assert.Equal(ExitCodes.Unreachable, (await SshMuxProcess.RunAsync(environment, null, "status")).ExitCode);
    }

    [Fact]
    public async Task Connect_carries_stdin_and_stdout_to_the_local_port()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var served = Task.Run(async () =>
        {
            // Stands in for the daemon's local server: answers upper-cased, then closes after the client's EOF.
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            using var received = new MemoryStream();
            await stream.CopyToAsync(received);
            var reply = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(received.ToArray()).ToUpperInvariant());
            await stream.WriteAsync(reply);
            client.Client.Shutdown(SocketShutdown.Send);
        });
        var payload = string.Concat(Enumerable.Repeat("ssh-2.0 bytes ", 20_000));
        var result = await SshMuxProcess.RunAsync(new Dictionary<string, string?>(), payload, "connect", "web@example.com:22", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await served.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(payload.ToUpperInvariant(), result.StdoutText);
    }

    [Theory]
    [InlineData("web@", "is not a host name")]
    [InlineData("bad user@host", "user name is empty or contains white space")]
    [InlineData("web@host:99999", "is not a port number")]
    public async Task Connect_rejects_a_bad_target(string target, string message)
    {
        var result = await SshMuxProcess.RunAsync(new Dictionary<string, string?>(), null, "connect", target);
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains(message, result.StderrText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_without_a_daemon_says_so()
    {
        var port = FreePort.Next();
        var result = await SshMuxProcess.RunAsync(new Dictionary<string, string?>(), string.Empty, "connect", "web@host:22", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(result.ExitCode == ExitCodes.Unreachable, result.ToString());
        Assert.Contains($"no ssh-mux daemon is listening on 127.0.0.1:{port}", result.StderrText, StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(Func<bool> condition, PipedProcess process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.False(process.HasExited, "the daemon exited: " + process.StderrText);
            Assert.True(DateTime.UtcNow < deadline, "the daemon did not create its control socket: " + process.StderrText);
            await Task.Delay(50);
        }
    }
}
