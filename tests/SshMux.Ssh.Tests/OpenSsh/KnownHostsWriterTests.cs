using System.Text;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Tests.Keys;
using static SshMux.Ssh.Tests.OpenSsh.OpenSshTestKeys;

namespace SshMux.Ssh.Tests.OpenSsh;

/// <summary>Adding known_hosts entries: an atomic rewrite that keeps what was there byte for byte.</summary>
public class KnownHostsWriterTests
{
    [Fact]
    public void NewFileInANewDirectoryIsPrivate()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, ".ssh", "known_hosts");
        var result = KnownHostsWriter.Add(path, "Server.Example.COM", 22, Ed25519(1));
        Assert.True(result.Success, result.Error);
        Assert.Equal($"server.example.com {Ed25519(1).ToOpenSshString()}", result.Line);
        Assert.Equal(result.Line + "\n", File.ReadAllText(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        }

        Assert.Equal(KnownHostsStatus.Trusted, KnownHostsFile.Load(path).Lookup("server.example.com", 22, Ed25519(1)).Status);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void ExistingContentIsKeptByteForByteAndTheModeIsKept()
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");

        // CRLF, a comment, a malformed line, non-UTF-8 bytes and no final newline all survive untouched.
        byte[] original = [.. Encoding.UTF8.GetBytes($"# mine\r\nold {Ed25519(1).ToOpenSshString()}\r\ngarbage line\n"), 0xff, 0xfe, (byte)' ', (byte)'x'];
        File.WriteAllBytes(path, original);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        var result = KnownHostsWriter.Add(path, "new.example.com", 2222, Ed25519(2));
        Assert.True(result.Success, result.Error);
        var written = File.ReadAllBytes(path);
        Assert.Equal(original, written[..original.Length]);
        Assert.Equal((byte)'\n', written[original.Length]);
        Assert.Equal($"[new.example.com]:2222 {Ed25519(2).ToOpenSshString()}\n", Encoding.UTF8.GetString(written[(original.Length + 1)..]));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
        }

        // A file that ends with a newline gets no extra one.
        var before = File.ReadAllBytes(path);
        Assert.True(KnownHostsWriter.Add(path, "third", 22, Ed25519(3)).Success);
        Assert.Equal([.. before, .. Encoding.UTF8.GetBytes($"third {Ed25519(3).ToOpenSshString()}\n")], File.ReadAllBytes(path));
    }

    [Fact]
    public void HashedEntriesAreFoundAndHideTheName()
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");
        var first = KnownHostsWriter.Add(path, "secret.example.com", 22, Ed25519(1), hashName: true);
        var second = KnownHostsWriter.Add(path, "secret.example.com", 22, Ed25519(1), hashName: true);
        Assert.True(first.Success && second.Success);
        Assert.StartsWith("|1|", first.Line, StringComparison.Ordinal);
        Assert.NotEqual(first.Line, second.Line);
        Assert.DoesNotContain("secret", File.ReadAllText(path), StringComparison.Ordinal);

        var file = KnownHostsFile.Load(path);
        Assert.All(file.Entries, e => Assert.True(e.IsHashed));
        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("SECRET.example.com", 22, Ed25519(1)).Status);
        Assert.Equal(KnownHostsStatus.Unknown, file.Lookup("secret.example.com", 2222, Ed25519(1)).Status);
        Assert.Equal(KnownHostsStatus.Unknown, file.Lookup("other.example.com", 22, Ed25519(1)).Status);
    }

    [Fact]
    public void SymlinkIsWrittenThrough()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var dir = new TempDirectory();
        var target = dir.File("real_known_hosts");
        var link = dir.File("known_hosts");
        File.WriteAllText(target, "");
        File.CreateSymbolicLink(link, target);
        Assert.True(KnownHostsWriter.Add(link, "h", 22, Ed25519(1)).Success);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal($"h {Ed25519(1).ToOpenSshString()}\n", File.ReadAllText(target));
    }

    [Fact]
    public void UnwritableFileIsReportedNotThrown()
    {
        using var dir = new TempDirectory();
        var blocker = dir.File("not-a-directory");
        File.WriteAllText(blocker, "x");
        var result = KnownHostsWriter.Add(Path.Combine(blocker, "known_hosts"), "h", 22, Ed25519(1));
        Assert.False(result.Success);
        Assert.Contains("cannot write", result.Error, StringComparison.Ordinal);
        Assert.Equal("x", File.ReadAllText(blocker));

        // A known_hosts that is a directory cannot be replaced either.
        var directory = dir.File("known_hosts");
        Directory.CreateDirectory(directory);
        Assert.False(KnownHostsWriter.Add(directory, "h", 22, Ed25519(1)).Success);
    }

    [Theory]
    [InlineData("bad host")]
    [InlineData("a*b")]
    [InlineData("a,b")]
    [InlineData("[h]:22")]
    [InlineData("h#x")]
    [InlineData("line\nbreak")]
    [InlineData("|1|x")]
    public void NamesThatCannotBeRecordedAreRefused(string host)
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");
        var result = KnownHostsWriter.Add(path, host, 22, Ed25519(1));
        Assert.False(result.Success);
        Assert.Contains("cannot be recorded", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ParallelAddsToOneFileAllSurvive()
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");

        // Dedicated threads released together: pool threads would start one by one and rarely overlap.
        const int Count = 32;
        using var start = new Barrier(Count);
        var results = new KnownHostsAddResult[Count];
        var threads = Enumerable.Range(0, Count).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = KnownHostsWriter.Add(path, $"host{i}.example", 22, Ed25519(1));
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.All(results, r => Assert.True(r.Success, r.Error));
        Assert.Equal(Count, File.ReadAllLines(path).Length);
        var known = KnownHostsFile.Load(path);
        for (var i = 0; i < Count; i++)
        {
            Assert.Equal(KnownHostsStatus.Trusted, known.Lookup($"host{i}.example", 22, Ed25519(1)).Status);
        }
    }
}
