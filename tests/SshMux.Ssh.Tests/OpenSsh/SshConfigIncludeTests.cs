using SshMux.Ssh.OpenSsh;

namespace SshMux.Ssh.Tests.OpenSsh;

/// <summary>Include: relative paths from ~/.ssh, globs, the block state around an Include, depth, missing files, skipped files.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshConfigIncludeTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("ssh-mux-config-").FullName;

    private string SshDir => Path.Combine(_home, ".ssh");

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private string Write(string relative, string text)
    {
        var path = Path.Combine(SshDir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private SshConfig Load(Func<string, bool>? skip = null) =>
        SshConfig.Load(Path.Combine(SshDir, "config"), null, new SshConfigReadOptions(_home, SkipFile: skip));

    [Fact]
    public void RelativeIncludesComeFromDotSshAndGlobsAreSorted()
    {
        Write("config", "Include conf.d/*.conf missing.conf\nHost *\n  User fallback\n");
        Write("conf.d/20-b.conf", "Host b\n  User from-b\n");
        Write("conf.d/10-a.conf", "Host a b\n  User from-a\n");
        Write("conf.d/.hidden.conf", "Host *\n  User hidden\n");
        Write("conf.d/notes.txt", "Host *\n  User txt\n");
        var config = Load();
        Assert.Equal("from-a", config.Resolve("a", "me").User);
        Assert.Equal("from-a", config.Resolve("b", "me").User);
        Assert.Equal("fallback", config.Resolve("c", "me").User);
        Assert.Equal(new[] { "config", "10-a.conf", "20-b.conf" }, config.FilesRead.Select(Path.GetFileName));
    }

    [Fact]
    public void IncludeKeepsTheIncludingBlockStateAndNeverMatchesWhenInactive()
    {
        Write("config", """
            Host web
              Include inner
              Port 2000
            Host *
              IdentitiesOnly yes
            """);
        Write("inner", "User inner\nHost nothing\n  Port 1\n");
        var config = Load();
        var web = config.Resolve("web", "me");
        Assert.Equal("inner", web.User);
        Assert.Equal(2000, web.Port);
        Assert.True(web.IdentitiesOnly);

        // For another host the included file is only parsed: its Host lines never activate.
        var nothing = config.Resolve("nothing", "me");
        Assert.Null(nothing.Port);
        Assert.Null(nothing.User);
        Assert.Equal(new[] { "web" }, config.ConcreteHostAliases("me"));
    }

    [Fact]
    public void TildeAndAbsoluteIncludes()
    {
        var absolute = Write("elsewhere/abs.conf", "Port 3\n");
        Write("config", $"Include ~/.ssh/t*.conf {absolute}\n");
        Write("tilde.conf", "User tilde\n");
        var options = Load().Resolve("x", "me");
        Assert.Equal("tilde", options.User);
        Assert.Equal(3, options.Port);
    }

    [Fact]
    public void RecursionStopsAtSixteen()
    {
        Write("config", "Include loop\n");
        Write("loop", "Include loop\n");
        var e = Assert.Throws<SshConfigException>(() => Load());
        Assert.Contains("Too many recursive configuration includes", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("loop", e.FileName, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorsInIncludedFilesNameThatFile()
    {
        Write("config", "Include bad\n");
        var bad = Write("bad", "\n\nPort nope\n");
        var e = Assert.Throws<SshConfigException>(() => Load());
        Assert.Equal(bad, e.FileName);
        Assert.Equal(3, e.LineNumber);
    }

    [Fact]
    public void WritableByOthersIsRefused()
    {
        Write("config", "Include shared\n");
        var shared = Write("shared", "ProxyCommand evil\n");
        File.SetUnixFileMode(shared, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite);
        var e = Assert.Throws<SshConfigException>(() => Load());
        Assert.Contains("Bad owner or permissions", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingUserConfigIsEmpty()
    {
        var options = Load().Resolve("x", "me");
        Assert.Equal("x", options.HostName);
        Assert.Empty(options.Keywords);
    }

    [Fact]
    public void SkippedFilesAreNotReadThroughIncludesOrLinks()
    {
        var generated = Write("generated.conf", "Host *\n  ProxyCommand loop\n");
        Write("config", "Include generated.conf\nInclude gen*\nInclude link.conf\nHost x\n  User x\n");
        File.CreateSymbolicLink(Path.Combine(SshDir, "link.conf"), generated);
        var config = Load(path => path == generated);
        Assert.Null(config.Resolve("x", "me").ProxyCommand);
        Assert.Contains(generated, config.SkippedFiles);
        Assert.Contains(Path.Combine(SshDir, "link.conf"), config.SkippedFiles);
        Assert.DoesNotContain(generated, config.FilesRead);
    }
}
