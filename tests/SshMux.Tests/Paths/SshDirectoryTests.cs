using SshMux.Interop.Tests.Harness;
using SshMux.Paths;

namespace SshMux.Tests.Paths;

// Unix modes and owners; the Windows seam checks reparse points only.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshDirectoryTests : IDisposable
{
    private readonly TempDirectory temp = new("ssh-mux-dir-");

    public void Dispose() => temp.Dispose();

    private static SshDirectory Resolve(string? value) =>
        SshDirectory.Resolve(name => name == SshDirectory.OverrideVariable ? value : null, FileSafety.Default);

    [Fact]
    public void WithoutOverrideItIsDotSshInHome()
    {
        var directory = Resolve(null);
        Assert.False(directory.IsOverride);
        Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh"), directory.Path);
    }

    [Fact]
    public void SafeOverrideIsUsedForEveryPath()
    {
        var custom = temp.File("custom");
        Directory.CreateDirectory(custom);
        File.SetUnixFileMode(custom, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var directory = Resolve(custom + "/");
        Assert.True(directory.IsOverride);
        Assert.Equal(custom, directory.Path);
        foreach (var path in new[] { directory.HostKey, directory.Config, directory.HostsConfig, directory.LocalKnownHosts, directory.Log, directory.AuthorizedKeys })
        {
            Assert.Equal(custom, Path.GetDirectoryName(path));
        }
    }

    [Fact]
    public void GroupWritableOverrideIsRefusedNotIgnored()
    {
        var custom = temp.File("custom");
        Directory.CreateDirectory(custom);
        File.SetUnixFileMode(custom, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupWrite);

        var e = Assert.Throws<UnsafePathException>(() => Resolve(custom));
        Assert.Contains("SSH_MUX_SSH_DIR is not safe to use: the directory is group- or world-writable", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SymlinkedOverrideIsRefused()
    {
        var custom = temp.File("custom");
        Directory.CreateDirectory(custom);
        File.CreateSymbolicLink(temp.File("link"), custom);
        var e = Assert.Throws<UnsafePathException>(() => Resolve(temp.File("link")));
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<UnsafePathException>(() => Resolve(Path.Combine(temp.File("link"), ".")));
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("relative/.ssh", "must be an absolute path")]
    [InlineData("/nonexistent-ssh-mux-dir", "does not exist")]
    public void BadOverrideIsRefused(string value, string problem)
    {
        var e = Assert.Throws<UnsafePathException>(() => Resolve(value));
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }
}
