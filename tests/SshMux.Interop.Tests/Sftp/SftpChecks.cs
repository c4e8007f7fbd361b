using System.Diagnostics;
using SshMux.Interop.Tests.Harness;
using SshMux.Interop.Tests.Relay;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Sftp;

namespace SshMux.Interop.Tests.Sftp;

/// <summary>What every SFTP server is put through by ssh-mux's SFTP client.</summary>
internal static class SftpChecks
{
    public const int HundredMegabytes = 100 * 1024 * 1024;

    /// <summary>Time limit for a test that moves 100 MB each way, with a margin for a busy machine.</summary>
    public static readonly TimeSpan TransferTimeout = TimeSpan.FromSeconds(240);

    /// <summary>
    /// Puts a random file of <paramref name="length"/> bytes with the pipelined upload, gets it
    /// back with the pipelined download, and checks both copies by SHA-256 against the original.
    /// The server is on this machine, so the remote paths are the test's own files.
    /// </summary>
    public static async Task PutAndGetAsync(InteropRun run, SshConnectionService connection, TempDirectory work, string server, int length, CancellationToken ct)
    {
        var original = work.File("original.bin");
        var uploaded = work.File("uploaded.bin");
        var downloaded = work.File("downloaded.bin");
        var hash = await RelayFileTransferTests.WriteRandomFileAsync(original, length, ct);
        await using var sftp = await SftpClient.OpenAsync(connection, ct);
        Assert.Equal(3u, sftp.ServerVersion);

        var megabytes = length / (1024.0 * 1024);
        var clock = Stopwatch.StartNew();
        await using (var source = File.OpenRead(original))
        {
            Assert.Equal(length, await sftp.UploadAsync(source, uploaded, null, ct));
        }

        var up = clock.Elapsed;
        run.Note($"sftp put of {megabytes:0} MB to {server}: {up.TotalSeconds:0.00} s ({megabytes / up.TotalSeconds:0} MB/s)");
        Assert.Equal(hash, await RelayFileTransferTests.HashFileAsync(uploaded, ct));
        Assert.Equal((ulong)length, (await sftp.StatAsync(uploaded, ct)).Size);

        clock.Restart();
        await using (var destination = File.Create(downloaded))
        {
            Assert.Equal(length, await sftp.DownloadAsync(uploaded, destination, null, ct));
        }

        var down = clock.Elapsed;
        run.Note($"sftp get of {megabytes:0} MB from {server}: {down.TotalSeconds:0.00} s ({megabytes / down.TotalSeconds:0} MB/s)");
        Assert.Equal(hash, await RelayFileTransferTests.HashFileAsync(downloaded, ct));
        Console.WriteLine($"[timing] {server}: put {megabytes:0} MB {up.TotalSeconds:0.00} s, get {down.TotalSeconds:0.00} s");
    }

    /// <summary>
    /// The other requests: mkdir, stat/lstat/fstat, opendir/readdir, rename, realpath, remove,
    /// rmdir, single reads and writes, and the status codes of requests that must fail.
    /// </summary>
    public static async Task FileOperationsAsync(SshConnectionService connection, TempDirectory work, bool symbolicLinks, CancellationToken ct)
    {
        await using var sftp = await SftpClient.OpenAsync(connection, ct);
        var directory = work.File("dir");
        await sftp.MakeDirectoryAsync(directory, null, ct);
        Assert.True((await sftp.StatAsync(directory, ct)).IsDirectory);
        Assert.Equal(directory, await sftp.RealPathAsync(directory + "/.", ct));
        Assert.Equal(work.Path, await sftp.RealPathAsync(directory + "/..", ct));

        // Two single writes out of order, then reads: the file has exactly those bytes.
        var file = Path.Combine(directory, "a.txt");
        var handle = await sftp.OpenFileAsync(file, SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate, null, ct);
        await sftp.WriteAsync(handle, 6, "world\n"u8.ToArray(), ct);
        await sftp.WriteAsync(handle, 0, "hello "u8.ToArray(), ct);
        Assert.Equal(12ul, (await sftp.FStatAsync(handle, ct)).Size);
        await sftp.CloseAsync(handle, ct);
        Assert.Equal("hello world\n", await File.ReadAllTextAsync(file, ct));

        handle = await sftp.OpenFileAsync(file, SftpOpenFlags.Read, null, ct);
        var buffer = new byte[64];
        Assert.Equal(5, await sftp.ReadAsync(handle, 6, buffer.AsMemory(0, 5), ct));
        Assert.Equal("world"u8.ToArray(), buffer[..5]);
        Assert.Equal(0, await sftp.ReadAsync(handle, 12, buffer, ct));
        await sftp.CloseAsync(handle, ct);

        if (symbolicLinks)
        {
            File.CreateSymbolicLink(Path.Combine(directory, "link"), file);
            Assert.True((await sftp.LStatAsync(Path.Combine(directory, "link"), ct)).IsSymbolicLink);
            Assert.True((await sftp.StatAsync(Path.Combine(directory, "link"), ct)).IsRegularFile);
            File.Delete(Path.Combine(directory, "link"));
        }

        await sftp.RenameAsync(file, Path.Combine(directory, "b.txt"), ct);
        var names = (await sftp.ListDirectoryAsync(directory, ct)).Select(e => e.FileName).Where(n => n is not ("." or "..")).ToList();
        Assert.Equal(["b.txt"], names);
        Assert.Equal(12ul, (await sftp.ListDirectoryAsync(directory, ct)).Single(e => e.FileName == "b.txt").Attributes.Size);

        var missing = await Assert.ThrowsAsync<SftpException>(() => sftp.StatAsync(Path.Combine(directory, "missing"), ct));
        Assert.Equal(SftpStatusCode.NoSuchFile, missing.Code);
        Assert.Contains("SSH_FX_NO_SUCH_FILE", missing.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(directory, "missing"), missing.Message, StringComparison.Ordinal);
        var open = await Assert.ThrowsAsync<SftpException>(() => sftp.OpenFileAsync(Path.Combine(directory, "missing"), SftpOpenFlags.Read, null, ct));
        Assert.Equal(SftpStatusCode.NoSuchFile, open.Code);

        // A directory that is not empty cannot go: the server says why in its own status.
        var notEmpty = await Assert.ThrowsAsync<SftpException>(() => sftp.RemoveDirectoryAsync(directory, ct));
        Assert.NotEqual(SftpStatusCode.Ok, notEmpty.Code);

        await sftp.RemoveAsync(Path.Combine(directory, "b.txt"), ct);
        await sftp.RemoveDirectoryAsync(directory, ct);
        Assert.False(Directory.Exists(directory));
        Assert.Equal(SftpStatusCode.NoSuchFile, (await Assert.ThrowsAsync<SftpException>(() => sftp.RemoveAsync(file, ct))).Code);
    }
}
