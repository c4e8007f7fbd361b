using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using SshMux.Control;
using SshMux.Interop.Tests.Harness;

namespace SshMux.Tests.Control;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ControlSocketTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Fact]
    public async Task The_socket_is_0600_in_a_0700_directory_the_daemon_creates()
    {
        await using var rig = new ControlRig();
        var directory = rig.Endpoint.Directory;
        Assert.Equal(Private, File.GetUnixFileMode(directory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(rig.Endpoint.Address));
        Assert.True(UnixFiles.Lstat(rig.Endpoint.Address)!.Value.IsSocket);
        Assert.Equal(UnixFiles.EffectiveUserId, UnixFiles.Lstat(directory)!.Value.Uid);
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, "mode is 750")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute, "mode is 703")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserExecute, "mode is 500")]
    public async Task A_directory_with_any_other_mode_is_refused_by_daemon_and_client(UnixFileMode mode, string message)
    {
        using var temp = new TempDirectory("sshmux-control-");
        var directory = Path.Combine(temp.Path, "ssh-mux");
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, mode);
        var endpoint = new UnixControlEndpoint(directory);
        Assert.Contains(message, Assert.Throws<ControlException>(() => endpoint.Listen()).Message, StringComparison.Ordinal);
        var refused = await Assert.ThrowsAsync<ControlException>(() => endpoint.ConnectAsync(CancellationToken.None));
        Assert.IsNotType<DaemonNotRunningException>(refused);
        Assert.False(File.Exists(Path.Combine(directory, ControlEndpoint.SocketName)));
        File.SetUnixFileMode(directory, Private);
    }

    [Fact]
    public void A_symlinked_directory_is_refused()
    {
        using var temp = new TempDirectory("sshmux-control-");
        var real = Path.Combine(temp.Path, "real");
        Directory.CreateDirectory(real);
        File.SetUnixFileMode(real, Private);
        var link = Path.Combine(temp.Path, "ssh-mux");
        File.CreateSymbolicLink(link, real);
        Assert.Contains("symbolic link", Assert.Throws<ControlException>(() => new UnixControlEndpoint(link).Listen()).Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(real));
    }

    [Fact]
    public async Task A_symlink_above_the_directory_is_refused_unless_root_owns_it()
    {
        using var temp = new TempDirectory("sshmux-control-");
        var real = Path.Combine(temp.Path, "real");
        Directory.CreateDirectory(real);
        var link = Path.Combine(temp.Path, "runtime");
        File.CreateSymbolicLink(link, real);
        if (UnixFiles.EffectiveUserId == 0)
        {
            // Running as root: give the link to nobody, as an attacker's link would be.
            await RunAsync("chown", "-h", "65534", link);
        }

        var error = Assert.Throws<ControlException>(() => new UnixControlEndpoint(Path.Combine(link, "ssh-mux")).Listen());
        Assert.Contains($"{link} is a symbolic link owned by uid", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(real, "ssh-mux")));
    }

    [Fact]
    public async Task A_directory_owned_by_someone_else_is_refused()
    {
        using var temp = new TempDirectory("sshmux-control-");
        string directory;
        if (UnixFiles.EffectiveUserId == 0)
        {
            directory = Path.Combine(temp.Path, "ssh-mux");
            Directory.CreateDirectory(directory);
            File.SetUnixFileMode(directory, Private);
            await RunAsync("chown", "65534", directory);
        }
        else
        {
            // Not root: a 0700 directory root owns (Debian's /root) stands in.
            directory = "/root";
        }

        var error = Assert.Throws<ControlException>(() => new UnixControlEndpoint(directory).Listen());
        Assert.Contains("not by you", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stale_socket_is_replaced_but_a_live_daemon_is_not()
    {
        await using var rig = new ControlRig();
        var live = Assert.Throws<ControlException>(() => rig.Endpoint.Listen());
        Assert.Contains("already running", live.Message, StringComparison.Ordinal);

        // The rig still answers after the refused attempt.
        await using (var client = await ControlClient.ConnectAsync(rig.Endpoint, CancellationToken.None))
        {
            Assert.Contains("\"entries\":[]", await client.RequestAsync("status", TimeSpan.FromSeconds(10), CancellationToken.None), StringComparison.Ordinal);
        }

        using var temp = new TempDirectory("sshmux-control-");
        var directory = Path.Combine(temp.Path, "ssh-mux");
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, Private);
        var path = Path.Combine(directory, ControlEndpoint.SocketName);
        // A daemon that died: its socket file stays, nobody listens (.NET would unlink its own on dispose; python does not).
        await RunAsync("/usr/bin/python3", "-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)", path);

        Assert.True(File.Exists(path));
        var endpoint = new UnixControlEndpoint(directory);
        await Assert.ThrowsAsync<DaemonNotRunningException>(() => endpoint.ConnectAsync(CancellationToken.None));
        await using (endpoint.Listen())
        {
            await using var stream = await endpoint.ConnectAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Something_else_at_the_socket_path_is_never_removed()
    {
        using var temp = new TempDirectory("sshmux-control-");
        var directory = Path.Combine(temp.Path, "ssh-mux");
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, Private);
        var path = Path.Combine(directory, ControlEndpoint.SocketName);
        File.WriteAllText(path, "precious");
        Assert.Contains("is not a socket", Assert.Throws<ControlException>(() => new UnixControlEndpoint(directory).Listen()).Message, StringComparison.Ordinal);
        Assert.Equal("precious", File.ReadAllText(path));
    }

    [Fact]
    public async Task No_daemon_is_reported_as_such()
    {
        using var temp = new TempDirectory("sshmux-control-");
        var endpoint = new UnixControlEndpoint(Path.Combine(temp.Path, "ssh-mux"));
        var error = await Assert.ThrowsAsync<DaemonNotRunningException>(() => endpoint.ConnectAsync(CancellationToken.None));
        Assert.Contains("No ssh-mux daemon is running", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_over_8_KiB_gets_an_error_and_the_connection_closed_and_the_daemon_serves_on()
    {
        await using var rig = new ControlRig();
        using (var socket = await rig.ConnectRawAsync())
        {
            // 8192 bytes is still a line (an unknown request); one more is not.
            await socket.SendAsync(Encoding.ASCII.GetBytes(new string('a', 8192) + "\n" + new string('b', 9000)));
            var reply = await ControlRig.ReadToEndAsync(socket, TimeSpan.FromSeconds(10));
            var lines = reply.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("error unknown request", lines[0], StringComparison.Ordinal);
            Assert.Equal("error line longer than 8192 bytes; closing the connection", lines[1]);
        }

        await using var client = await ControlClient.ConnectAsync(rig.Endpoint, CancellationToken.None);
        Assert.Equal("locked", await client.RequestAsync("lock", TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.True(rig.Pool.IsLocked);
    }

    [Fact]
    public async Task A_connection_that_sends_no_complete_line_in_time_is_closed()
    {
        await using var rig = new ControlRig(new ControlServerOptions { ReadTimeout = TimeSpan.FromMilliseconds(300) });
        using var silent = await rig.ConnectRawAsync();
        using var partial = await rig.ConnectRawAsync();
        await partial.SendAsync("sta"u8.ToArray());
        var watch = Stopwatch.StartNew();
        var silentReply = ControlRig.ReadToEndAsync(silent, TimeSpan.FromSeconds(10));
        var partialReply = ControlRig.ReadToEndAsync(partial, TimeSpan.FromSeconds(10));
        Assert.Equal("error no complete line within 0.3 s; closing the connection\n", await silentReply);
        Assert.Equal("error no complete line within 0.3 s; closing the connection\n", await partialReply);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Requests_follow_one_another_on_a_connection()
    {
        await using var rig = new ControlRig();
        rig.Pool.Entries.Add(new SshMux.Pool.PoolEntryStatus("web", "deploy@10.0.0.10:22", TimeSpan.FromSeconds(75), TimeSpan.FromSeconds(3), 2, 1234, 5678, "active"));
        using var socket = await rig.ConnectRawAsync();
        await socket.SendAsync("lock\r\nstatus\nunlock\nbogus\nstop\n"u8.ToArray());
        var lines = (await ControlRig.ReadToEndAsync(socket, TimeSpan.FromSeconds(10))).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "ok locked",
                "ok {\"locked\":true,\"entries\":[{\"route\":\"web\",\"upstream\":\"deploy@10.0.0.10:22\",\"age_seconds\":75,\"idle_seconds\":3,\"channels\":2,\"bytes_in\":1234,\"bytes_out\":5678,\"state\":\"active\"}]}",
                "ok unlocked",
                "error unknown request \"bogus\" (expected status, stop, lock, unlock or prompt-attach)",
                "ok stopping",
            ],
            lines);
        await rig.StopRequested.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(rig.Pool.IsLocked);
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var result = await PipedProcess.RunAsync(program, program, arguments, null, TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
