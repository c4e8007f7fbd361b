using SshMux.Interop.Tests.Harness;
using SshMux.Paths;

namespace SshMux.Tests.Paths;

// Unix modes and owners; the Windows seam checks reparse points only.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileSafetyTests : IDisposable
{
    private readonly TempDirectory temp = new("ssh-mux-safety-");

    public void Dispose() => temp.Dispose();

    private string MakeDirectory(string name, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute)
    {
        var path = temp.File(name);
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void LStatReportsOwnerModeAndKindWithoutFollowingLinks()
    {
        var file = temp.File("f");
        File.WriteAllText(file, "x");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        File.CreateSymbolicLink(temp.File("link"), file);
        var provider = UnixFileStatusProvider.Instance;

        var stat = provider.LStat(file);
        Assert.Equal(FileKind.File, stat.Kind);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead, stat.Mode);
        Assert.Equal(provider.CurrentUser, stat.Owner);
        Assert.Equal(FileKind.Symlink, provider.LStat(temp.File("link")).Kind);
        Assert.Equal(FileKind.Directory, provider.LStat(temp.Path).Kind);
        Assert.Equal(FileKind.Missing, provider.LStat(temp.File("nothing")).Kind);
        Assert.Equal(0u, provider.LStat("/").Owner);
    }

    [Fact]
    public void SafeDirectoryAndFilePass()
    {
        var directory = MakeDirectory("ssh");
        var file = Path.Combine(directory, "config");
        File.WriteAllText(file, "x");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        FileSafety.Default.CheckDirectory(directory);
        FileSafety.Default.CheckFile(file);
        FileSafety.Default.CheckFile(Path.Combine(directory, "not-yet"));
    }

    [Fact]
    public void SymlinkedAncestorIsRefused()
    {
        var real = MakeDirectory("real");
        Directory.CreateDirectory(Path.Combine(real, "ssh"));
        File.CreateSymbolicLink(temp.File("link"), real);

        var e = Assert.Throws<UnsafePathException>(() => FileSafety.Default.CheckFile(Path.Combine(temp.File("link"), "ssh", "config")));
        Assert.Contains($"ancestor {temp.File("link")} is a symbolic link", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SymlinkedDirectoryAndFileAreRefused()
    {
        var real = MakeDirectory("real");
        File.CreateSymbolicLink(temp.File("dirlink"), real);
        var e = Assert.Throws<UnsafePathException>(() => FileSafety.Default.CheckDirectory(temp.File("dirlink")));
        Assert.Contains("is a symbolic link", e.Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(real, "target"), "x");
        File.CreateSymbolicLink(Path.Combine(real, "config"), Path.Combine(real, "target"));
        e = Assert.Throws<UnsafePathException>(() => FileSafety.Default.CheckFile(Path.Combine(real, "config")));
        Assert.Contains("is a symbolic link", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.OtherWrite)]
    public void GroupOrWorldWritableDirectoryIsRefused(UnixFileMode extra)
    {
        var directory = MakeDirectory("ssh", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | extra);
        var e = Assert.Throws<UnsafePathException>(() => FileSafety.Default.CheckDirectory(directory));
        Assert.Contains("group- or world-writable", e.Message, StringComparison.Ordinal);

        // And as the directory of a file, and as an ancestor further up.
        Assert.Throws<UnsafePathException>(() => FileSafety.Default.CheckFile(Path.Combine(directory, "config")));
        Directory.CreateDirectory(Path.Combine(directory, "inner"));
        e = Assert.Throws<UnsafePathException>(() => FileSafety.Default.CheckDirectory(Path.Combine(directory, "inner")));
        Assert.Contains($"ancestor {directory} is group- or world-writable", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WritableAncestorWithStickyBitIsAccepted()
    {
        var shared = MakeDirectory("shared", (UnixFileMode)0x3FF | UnixFileMode.StickyBit);
        var mine = Path.Combine(shared, "mine");
        Directory.CreateDirectory(mine);
        File.SetUnixFileMode(mine, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        FileSafety.Default.CheckDirectory(mine);
    }

    [Fact]
    public void GroupWritableFileIsRefused()
    {
        var directory = MakeDirectory("ssh");
        var file = Path.Combine(directory, "config");
        File.WriteAllText(file, "x");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite);
        var e = Assert.Throws<UnsafePathException>(() => FileSafety.Default.CheckFile(file));
        Assert.Contains("the file is group- or world-writable (mode 0620", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForeignOwnersAreRefusedAndRootMayOwnDirectories()
    {
        var directory = MakeDirectory("ssh");
        var file = Path.Combine(directory, "config");
        File.WriteAllText(file, "x");

        var foreign = new FileSafety(new OwnerOverride(UnixFileStatusProvider.Instance, directory, owner: 1234, currentUser: 1000));
        var e = Assert.Throws<UnsafePathException>(() => foreign.CheckDirectory(directory));
        Assert.Contains("owned by uid 1234, not by you or root", e.Message, StringComparison.Ordinal);

        // The same tree seen by uid 1000 with everything owned by root: directories pass, the file does not.
        var rootOwned = new FileSafety(new OwnerOverride(UnixFileStatusProvider.Instance, null, owner: 0, currentUser: 1000));
        rootOwned.CheckDirectory(directory);
        e = Assert.Throws<UnsafePathException>(() => rootOwned.CheckFile(file));
        Assert.Contains("the file is owned by uid 0, not by you", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Real lstat, with the owner of one path (or of all, when null) and the current uid replaced.</summary>
    private sealed class OwnerOverride(IFileStatusProvider inner, string? path, uint owner, uint currentUser) : IFileStatusProvider
    {
        public uint? CurrentUser => currentUser;

        public bool HasUnixPermissions => true;

        public FileStatus LStat(string p)
        {
            var stat = inner.LStat(p);
            return path is null || p == path ? stat with { Owner = owner } : stat with { Owner = stat.Owner == inner.CurrentUser ? currentUser : stat.Owner };
        }
    }
}
