using SshMux.Interop.Tests.Harness;
using SshMux.Paths;

namespace SshMux.Tests.Paths;

// Unix modes and owners; the Windows seam checks reparse points only.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SafeFileTests : IDisposable
{
    private readonly TempDirectory temp = new("ssh-mux-safefile-");

    public void Dispose() => temp.Dispose();

    [Fact]
    public void WritesWithTheModeAndReportsNoChangeTheSecondTime()
    {
        var path = temp.File("key");
        Assert.True(SafeFile.WriteText(FileSafety.Default, path, "secret\n", SafeFile.Secret));
        Assert.Equal(SafeFile.Secret, File.GetUnixFileMode(path));
        Assert.Equal("secret\n", File.ReadAllText(path));
        Assert.False(SafeFile.WriteText(FileSafety.Default, path, "secret\n", SafeFile.Secret));
        Assert.True(SafeFile.WriteText(FileSafety.Default, path, "secret\n", SafeFile.Public));
        Assert.Equal(SafeFile.Public, File.GetUnixFileMode(path));
    }

    [Fact]
    public void FailedWriteLeavesNoPartialOrTemporaryFile()
    {
        // Renaming a file over a non-empty directory fails after the content has been written.
        var target = temp.File("config");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "inside"), "x");
        var before = Directory.GetFileSystemEntries(temp.Path).Order().ToArray();

        Assert.ThrowsAny<Exception>(() => SshMux.Ssh.Io.AtomicFile.Write(target, "new content"u8, SafeFile.Public));
        Assert.Equal(before, Directory.GetFileSystemEntries(temp.Path).Order().ToArray());
        Assert.True(Directory.Exists(target));
    }

    [Fact]
    public void SymlinkTargetIsRefusedAndItsDestinationUntouched()
    {
        var victim = temp.File("victim");
        File.WriteAllText(victim, "original");
        File.CreateSymbolicLink(temp.File("config"), victim);

        var e = Assert.Throws<UnsafePathException>(() => SafeFile.WriteText(FileSafety.Default, temp.File("config"), "evil", SafeFile.Public));
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        Assert.Equal("original", File.ReadAllText(victim));
        Assert.Equal(FileKind.Symlink, UnixFileStatusProvider.Instance.LStat(temp.File("config")).Kind);
    }
}
