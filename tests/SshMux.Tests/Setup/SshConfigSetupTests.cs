using System.Text;
using SshMux.Paths;
using SshMux.Routing;
using SshMux.Setup;
using SshMux.Ssh.Keys;

namespace SshMux.Tests.Setup;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshConfigSetupTests : IDisposable
{
    private const string UserConfig = "# my settings\nHost *.corp\n    User me\n\nHost webserver legacy\n    HostName 192.0.2.7\n    IdentityFile ~/.ssh/old_key\n\n# the database\nHost db\n    Port 2200\n";

    private readonly SetupHome home = new();

    public void Dispose() => home.Dispose();

    private SetupResult Apply(IReadOnlyList<Route> routes, int port = 2222, StringWriter? report = null) =>
        SshConfigSetup.Apply(home.Directory, routes, port, report ?? new StringWriter());

    [Fact]
    public void WritesOneHostBlockPerRouteAndTheIncludeAtTheTop()
    {
        var report = new StringWriter();
        Apply([SetupHome.Route("webserver"), SetupHome.Route("db.prod")], 2200, report);

        var hosts = File.ReadAllText(home.Directory.HostsConfig);
        var knownHosts = home.Directory.LocalKnownHosts;
        Assert.Contains($"""

            Host webserver
                HostName 127.0.0.1
                Port 2200
                User webserver
                HostKeyAlias ssh-mux-local
                UserKnownHostsFile {knownHosts}
                GlobalKnownHostsFile none
                StrictHostKeyChecking accept-new
                PreferredAuthentications publickey
                PasswordAuthentication no
                KbdInteractiveAuthentication no

            """, hosts, StringComparison.Ordinal);
        Assert.Contains("Host db.prod\n    HostName 127.0.0.1\n    Port 2200\n    User db.prod\n", hosts, StringComparison.Ordinal);
        Assert.DoesNotContain("IdentitiesOnly", hosts, StringComparison.Ordinal);

        var config = File.ReadAllText(home.Directory.Config);
        Assert.StartsWith($"# Added by `ssh-mux setup-config`; it must stay above every Host block.\nInclude {home.Directory.HostsConfig}\n", config, StringComparison.Ordinal);
        Assert.Equal(SafeFile.Secret, File.GetUnixFileMode(home.Directory.Config));
        Assert.Contains("StrictHostKeyChecking accept-new", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SecondRunChangesNothing()
    {
        File.WriteAllText(home.Directory.Config, UserConfig);
        var routes = new[] { SetupHome.Route("webserver"), SetupHome.Route("db") };
        var first = Apply(routes);
        Assert.Equal(3, first.Written.Count);
        var before = home.Snapshot();

        var second = Apply(routes);
        Assert.Empty(second.Written);
        var after = home.Snapshot();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (path, bytes) in before)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(after[path]), $"{path} changed on the second run");
        }
    }

    [Fact]
    public void ConflictingHostBlocksAreCommentedOutAndRestoredWhenTheRouteGoes()
    {
        File.WriteAllText(home.Directory.Config, UserConfig.Replace("\n", "\r\n", StringComparison.Ordinal));
        var report = new StringWriter();
        Apply([SetupHome.Route("webserver"), SetupHome.Route("db")], report: report);

        var config = File.ReadAllText(home.Directory.Config);
        Assert.Contains("#ssh-mux-disabled: Host webserver legacy\r\n#ssh-mux-disabled:     HostName 192.0.2.7\r\n#ssh-mux-disabled:     IdentityFile ~/.ssh/old_key\r\n\r\n# the database\r\n#ssh-mux-disabled: Host db\r\n#ssh-mux-disabled:     Port 2200\r\n", config, StringComparison.Ordinal);
        Assert.Contains("Host *.corp\r\n    User me\r\n", config, StringComparison.Ordinal);
        Assert.Contains("commented out \"Host webserver legacy\"", report.ToString(), StringComparison.Ordinal);

        // db goes away: its block comes back byte for byte; webserver stays disabled.
        report = new StringWriter();
        Apply([SetupHome.Route("webserver")], report: report);
        config = File.ReadAllText(home.Directory.Config);
        Assert.Contains("\r\n# the database\r\nHost db\r\n    Port 2200\r\n", config, StringComparison.Ordinal);
        Assert.Contains("#ssh-mux-disabled: Host webserver legacy\r\n", config, StringComparison.Ordinal);
        Assert.Contains("restored \"Host db\"", report.ToString(), StringComparison.Ordinal);

        Apply([]);
        var header = $"# Added by `ssh-mux setup-config`; it must stay above every Host block.\r\nInclude {home.Directory.HostsConfig}\r\n\r\n";
        Assert.Equal(header + UserConfig.Replace("\n", "\r\n", StringComparison.Ordinal), File.ReadAllText(home.Directory.Config));
    }

    [Fact]
    public void PinsTheLocalHostKeyStrictlyOnceItExists()
    {
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        KeyFileWriter.WriteKeyPair(home.Directory.HostKey, key, "ssh-mux local server");
        var result = Apply([SetupHome.Route("webserver")]);

        Assert.True(result.HostKeyPinned);
        var expected = "ssh-mux-local ssh-ed25519 " + Convert.ToBase64String(key.PublicKey.Blob.Span) + "\n";
        Assert.EndsWith(expected, File.ReadAllText(home.Directory.LocalKnownHosts), StringComparison.Ordinal);
        Assert.Contains("    StrictHostKeyChecking yes\n", File.ReadAllText(home.Directory.HostsConfig), StringComparison.Ordinal);

        // Without the .pub the key is derived from the private half.
        File.Delete(home.Directory.HostKey + ".pub");
        Assert.Empty(Apply([SetupHome.Route("webserver")]).Written);
    }

    [Fact]
    public void OffersOnlyTheDefaultKeysTheLocalServerAccepts()
    {
        using var accepted = SshPrivateKey.Generate("ssh-ed25519");
        using var other = SshPrivateKey.Generate("ecdsa-sha2-nistp256");
        KeyFileWriter.WriteKeyPair(home.Directory.File("id_ed25519"), accepted, "me");
        KeyFileWriter.WriteKeyPair(home.Directory.File("id_ecdsa"), other, "me");
        File.WriteAllText(home.Directory.AuthorizedKeys, "restrict " + SshPublicKeyLine.Format(accepted.PublicKey, "me") + "\n");

        Apply([SetupHome.Route("webserver")]);
        var hosts = File.ReadAllText(home.Directory.HostsConfig);
        Assert.Contains($"    IdentitiesOnly yes\n    IdentityFile {home.Directory.File("id_ed25519")}\n", hosts, StringComparison.Ordinal);
        Assert.DoesNotContain("id_ecdsa", hosts, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("web\nProxyCommand touch /tmp/pwned", "10.0.0.1", "deploy", "may only contain")]
    [InlineData("web\n", "10.0.0.1", "deploy", "may only contain")]
    [InlineData("web server", "10.0.0.1", "deploy", "may only contain")]
    [InlineData("web*", "10.0.0.1", "deploy", "may only contain")]
    [InlineData("", "10.0.0.1", "deploy", "may only contain")]
    [InlineData("webserver", "10.0.0.1\nProxyCommand x", "deploy", "host contains a line break or NUL")]
    [InlineData("webserver", "10.0.0.1\0", "deploy", "host contains a line break or NUL")]
    [InlineData("webserver", " 10.0.0.1", "deploy", "leading or trailing white space")]
    [InlineData("webserver", "10.0.0.1", "deploy\r", "user contains a line break or NUL")]
    [InlineData("webserver", "10.0.0.1", "deploy ", "leading or trailing white space")]
    [InlineData("webserver", "10.0.0.1", "", "user is empty")]
    public void InjectionAttemptsAreRefusedAndNothingIsWritten(string name, string host, string user, string problem)
    {
        File.WriteAllText(home.Directory.Config, UserConfig);
        var e = Assert.Throws<SetupException>(() => Apply([SetupHome.Route("fine"), SetupHome.Route(name, host, user)]));
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Equal([home.Directory.Config], home.Snapshot().Keys);
        Assert.Equal(UserConfig, File.ReadAllText(home.Directory.Config));
    }

    [Fact]
    public void DuplicateRouteNamesAndBadPortsAreRefused()
    {
        Assert.Contains("used twice", Assert.Throws<SetupException>(() => Apply([SetupHome.Route("web"), SetupHome.Route("WEB")])).Message, StringComparison.Ordinal);
        Assert.Contains("port 0", Assert.Throws<SetupException>(() => Apply([SetupHome.Route("web")], 0)).Message, StringComparison.Ordinal);
        Assert.Empty(home.Snapshot());
    }

    [Fact]
    public void SymlinkedConfigIsRefusedBeforeAnythingIsWritten()
    {
        var elsewhere = Path.Combine(home.Work, "elsewhere");
        File.WriteAllText(elsewhere, UserConfig);
        File.CreateSymbolicLink(home.Directory.Config, elsewhere);

        var e = Assert.Throws<UnsafePathException>(() => Apply([SetupHome.Route("webserver")]));
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        Assert.Equal(UserConfig, File.ReadAllText(elsewhere));
        Assert.False(File.Exists(home.Directory.HostsConfig));
        Assert.False(File.Exists(home.Directory.LocalKnownHosts));

        // A planted link at a file only ssh-mux writes is refused the same way.
        File.Delete(home.Directory.Config);
        File.CreateSymbolicLink(home.Directory.HostsConfig, elsewhere);
        Assert.Throws<UnsafePathException>(() => Apply([SetupHome.Route("webserver")]));
        Assert.False(File.Exists(home.Directory.LocalKnownHosts));
        Assert.False(File.Exists(home.Directory.Config));
    }

    [Fact]
    public void GroupWritableSshDirectoryIsRefused()
    {
        File.SetUnixFileMode(home.Directory.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupWrite | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        var e = Assert.Throws<UnsafePathException>(() => Apply([SetupHome.Route("webserver")]));
        Assert.Contains("group- or world-writable", e.Message, StringComparison.Ordinal);
        Assert.Empty(home.Snapshot());
    }

    [Fact]
    public void WindowsWithANonAsciiHomeGetsTheCursorWrappers()
    {
        var platform = new SetupPlatform(true, "C:\\Users\\김철수", @"C:\Windows\System32");
        var report = new StringWriter();
        SshConfigSetup.Apply(home.Directory, [SetupHome.Route("webserver")], 2222, report, platform: platform);
        Assert.True(File.Exists(home.Directory.File("cursor-ssh.cmd")));
        Assert.True(File.Exists(home.Directory.File("cursor-askpass.cmd")));
        Assert.Contains("Cursor: set remote.SSH.path to " + home.Directory.File("cursor-ssh.cmd"), report.ToString(), StringComparison.Ordinal);

        using var ascii = new SetupHome();
        SshConfigSetup.Apply(ascii.Directory, [SetupHome.Route("webserver")], 2222, new StringWriter(), platform: platform with { Home = @"C:\Users\kim" });
        Assert.False(File.Exists(ascii.Directory.File("cursor-ssh.cmd")));
    }

    [Fact]
    public void CursorWrapperText()
    {
        var scripts = CursorAskpass.Render(@"C:\dev\.ssh", @"C:\Windows\System32");
        Assert.Equal("cursor-ssh.cmd", scripts[0].Name);
        Assert.Equal(
            "@echo off\r\n"
            + "rem Written by ssh-mux setup-config: Cursor's remote.SSH.path points here so that ssh can\r\n"
            + "rem start the askpass helper even when it lives under a non-ASCII home directory.\r\n"
            + "setlocal\r\n"
            + "if defined SSH_ASKPASS (\r\n"
            + "  set \"SSH_MUX_CURSOR_ASKPASS=%SSH_ASKPASS%\"\r\n"
            + "  set \"SSH_ASKPASS=C:\\dev\\.ssh\\cursor-askpass.cmd\"\r\n"
            + ")\r\n"
            + "\"C:\\Windows\\System32\\OpenSSH\\ssh.exe\" %*\r\n"
            + "exit /b %ERRORLEVEL%\r\n",
            scripts[0].Text);
        Assert.Equal("cursor-askpass.cmd", scripts[1].Name);
        Assert.Contains("call \"%SSH_MUX_CURSOR_ASKPASS%\" %*\r\n", scripts[1].Text, StringComparison.Ordinal);
        Assert.True(scripts.All(s => Encoding.UTF8.GetByteCount(s.Text) == s.Text.Length), "the scripts are ASCII");

        Assert.Contains("must be plain ASCII", Assert.Throws<SetupException>(() => CursorAskpass.Render(@"C:\Users\김철수\.ssh", @"C:\Windows\System32")).Message, StringComparison.Ordinal);
        Assert.Throws<SetupException>(() => CursorAskpass.Render(@"C:\dev\%PATH%", @"C:\Windows\System32"));
        Assert.Throws<SetupException>(() => CursorAskpass.Render("C:\\dev\\\"x", @"C:\Windows\System32"));
    }
}
