using System.Security.Cryptography;

namespace SshMux.Ssh.Io;

/// <summary>
/// Replaces a file so that readers see either the old or the new content, never a partial
/// one, and so that a secret is never readable by others even for an instant: the content goes
/// to a fresh temporary file in the same directory, created exclusively with its final mode,
/// flushed to disk, then renamed over the target (rename is atomic within a file system).
/// </summary>
public static class AtomicFile
{
    private const int MaxAttempts = 16;

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> atomically. On Unix the file
    /// gets exactly <paramref name="unixMode"/> (the umask does not apply); on Windows the mode is
    /// ignored and the file inherits the directory's ACL.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode unixMode)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException("The path has no directory", nameof(path));
        var name = Path.GetFileName(fullPath);

        var (stream, tempPath) = CreateTemporary(directory, name, unixMode);
        var renamed = false;
        try
        {
            using (stream)
            {
                stream.Write(content);

                // fsync before the rename, or a crash could leave the new name on an empty file.
                stream.Flush(flushToDisk: true);
            }

            File.Move(tempPath, fullPath, overwrite: true);
            renamed = true;
        }
        finally
        {
            if (!renamed)
            {
                TryDelete(tempPath);
            }
        }
    }

    /// <summary>
    /// Creates ".name.RANDOM.tmp" with CreateNew (O_CREAT | O_EXCL), so an existing file or a
    /// planted symlink is never opened; a name clash just draws another random name.
    /// </summary>
    private static (FileStream, string) CreateTemporary(string directory, string name, UnixFileMode unixMode)
    {
        for (var attempt = 0; ; attempt++)
        {
            var tempPath = Path.Combine(directory, $".{name}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp");
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = unixMode;
            }

            try
            {
                var stream = new FileStream(tempPath, options);
                if (!OperatingSystem.IsWindows())
                {
                    try
                    {
                        // UnixCreateMode is filtered by the umask; set the exact mode on the handle.
                        File.SetUnixFileMode(stream.SafeFileHandle, unixMode);
                    }
                    catch
                    {
                        stream.Dispose();
                        TryDelete(tempPath);
                        throw;
                    }
                }

                return (stream, tempPath);
            }
            catch (IOException) when (attempt < MaxAttempts && File.Exists(tempPath))
            {
                // Someone else's file has this name; try another.
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original error matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
