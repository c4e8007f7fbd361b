using SshMux.Interop.Tests.Harness;
using SshMux.Paths;
using SshMux.Relay;
using SshMux.Routing;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;

namespace SshMux.Tests.Relay;

/// <summary>
/// The daemon's own inputs get sshd's StrictModes checks: the routes file (its proxy_command
/// runs as the user), the authorized keys, the *.pub fallback, the host key and the SSH directory.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DaemonFileSafetyTests
{
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Mode0644 = Mode0600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Mode0700 = Mode0600 | UnixFileMode.UserExecute;

    private static readonly SshMux.Ssh.Transport.SshLog Quiet = (_, _) => { };

    [Theory]
    [InlineData(UnixFileMode.GroupWrite, "the file is group- or world-writable (mode 0664; chmod go-w it)")]
    [InlineData(UnixFileMode.OtherWrite, "the file is group- or world-writable (mode 0646; chmod go-w it)")]
    public void Routes_file_others_can_write_is_refused(UnixFileMode extra, string problem)
    {
        using var dir = new TempDirectory("sshmux-routesafety-");
        var path = dir.File(RoutesFile.FileName);
        File.WriteAllText(path, "[routes.a]\nhost = \"h\"\nuser = \"u\"\n");
        File.SetUnixFileMode(path, Mode0644 | extra);

        var error = Assert.Throws<RoutesFileException>(() => RoutesFile.Load(path, "/home/u"));

        Assert.Equal($"{path}: refusing the routes file: {problem}", error.Message);
    }

    [Fact]
    public void Routes_file_that_is_a_symlink_or_under_one_is_refused()
    {
        using var dir = new TempDirectory("sshmux-routesafety-");
        var real = Directory.CreateDirectory(dir.File("real")).FullName;
        File.WriteAllText(Path.Combine(real, "routes.toml"), "[routes.a]\nhost = \"h\"\nuser = \"u\"\n");
        var link = dir.File(RoutesFile.FileName);
        File.CreateSymbolicLink(link, Path.Combine(real, "routes.toml"));
        Directory.CreateSymbolicLink(dir.File("linked"), real);

        var direct = Assert.Throws<RoutesFileException>(() => RoutesFile.Load(link, "/home/u"));
        var ancestor = Assert.Throws<RoutesFileException>(() => RoutesFile.Load(Path.Combine(dir.File("linked"), "routes.toml"), "/home/u"));

        Assert.Equal($"{link}: refusing the routes file: it is a symbolic link", direct.Message);
        Assert.Equal($"{Path.Combine(dir.File("linked"), "routes.toml")}: refusing the routes file: {dir.File("linked")}: it is a symbolic link", ancestor.Message);
        Assert.Single(RoutesFile.Load(Path.Combine(real, "routes.toml"), "/home/u"));
    }

    [Fact]
    public void Authorized_keys_file_others_can_write_is_refused()
    {
        using var dir = new TempDirectory("sshmux-authzsafety-");
        using var user = SshPrivateKey.Generate("ssh-ed25519");
        var path = new SshDirectory(dir.Path).AuthorizedKeys;
        File.WriteAllText(path, SshPublicKeyLine.Format(user.PublicKey, "user") + "\n");
        File.SetUnixFileMode(path, Mode0644);
        Assert.IsType<AuthorizedKeysAuthenticator>(LocalServer.LoadAuthorizedKeys(new SshDirectory(dir.Path), Quiet).ForClient(null));

        File.SetUnixFileMode(path, Mode0644 | UnixFileMode.OtherWrite);
        var error = Assert.Throws<UnsafePathException>(() => LocalServer.LoadAuthorizedKeys(new SshDirectory(dir.Path), Quiet));

        Assert.Equal($"refusing {path}: the file is group- or world-writable (mode 0646; chmod go-w it)", error.Message);
    }

    [Fact]
    public void Pub_file_others_can_write_is_not_allowed()
    {
        using var dir = new TempDirectory("sshmux-pubsafety-");
        using var good = SshPrivateKey.Generate("ssh-ed25519");
        using var planted = SshPrivateKey.Generate("ssh-ed25519");
        File.WriteAllText(dir.File("id_good.pub"), SshPublicKeyLine.Format(good.PublicKey, "good") + "\n");
        File.SetUnixFileMode(dir.File("id_good.pub"), Mode0644);
        File.WriteAllText(dir.File("id_planted.pub"), SshPublicKeyLine.Format(planted.PublicKey, "planted") + "\n");
        File.SetUnixFileMode(dir.File("id_planted.pub"), Mode0644 | UnixFileMode.GroupWrite);
        var log = new List<string>();

        var authorization = LocalServer.LoadAuthorizedKeys(new SshDirectory(dir.Path), (_, m) => log.Add(m));

        var keys = Assert.IsType<PublicKeyListAuthenticator>(authorization.ForClient(null));
        Assert.Contains(log, l => l.StartsWith($"Ignoring {dir.File("id_planted.pub")}: refusing {dir.File("id_planted.pub")}: the file is group- or world-writable", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("the 1 public key(s)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead, "0640")]
    [InlineData(UnixFileMode.OtherRead, "0604")]
    public void Host_key_others_can_read_is_refused(UnixFileMode extra, string mode)
    {
        using var dir = new TempDirectory("sshmux-hostkeysafety-");
        var ssh = new SshDirectory(dir.Path);
        using (LocalServer.LoadOrCreateHostKey(ssh, Quiet))
        {
        }

        Assert.Equal(Mode0600, File.GetUnixFileMode(ssh.HostKey));
        using (LocalServer.LoadOrCreateHostKey(ssh, Quiet))
        {
        }

        File.SetUnixFileMode(ssh.HostKey, Mode0600 | extra);
        var error = Assert.Throws<UnsafePathException>(() => LocalServer.LoadOrCreateHostKey(ssh, Quiet));

        Assert.Equal($"refusing {ssh.HostKey}: the private key is accessible by group or others (mode {mode}; chmod 600 it)", error.Message);
    }

    [Fact]
    public void Missing_ssh_directory_is_created_0700()
    {
        using var dir = new TempDirectory("sshmux-sshdirsafety-");
        var ssh = new SshDirectory(dir.File(".ssh"));

        using (LocalServer.LoadOrCreateHostKey(ssh, Quiet))
        {
        }

        Assert.Equal(Mode0700, File.GetUnixFileMode(ssh.Path));
    }

    [Fact]
    public async Task Gateway_refuses_an_ssh_directory_others_can_write()
    {
        using var dir = new TempDirectory("sshmux-gatewaysafety-");
        var ssh = new SshDirectory(dir.File(".ssh"));
        Directory.CreateDirectory(ssh.Path, Mode0700 | UnixFileMode.GroupWrite | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        File.SetUnixFileMode(ssh.Path, Mode0700 | UnixFileMode.GroupWrite | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        // Named in full: SshMux.Tests.Gateway is also a namespace (the end-to-end tests).
        var error = Assert.Throws<UnsafePathException>(() => SshMux.Relay.Gateway.Start(ssh, RouteTable.FromRoutes([]), null, new GatewayOptions { Port = 0 }, Quiet));
        Assert.Equal($"refusing {ssh.Path}: the directory is group- or world-writable (mode 0770; chmod go-w it)", error.Message);
        Assert.False(File.Exists(ssh.HostKey));

        File.SetUnixFileMode(ssh.Path, Mode0700);
        await using var gateway = SshMux.Relay.Gateway.Start(ssh, RouteTable.FromRoutes([]), null, new GatewayOptions { Port = 0 }, Quiet);
        Assert.NotEqual(0, gateway.Port);
    }
}
