using System.Globalization;
using System.Text;
using SshMux.Paths;
using SshMux.Ssh.Transport;

namespace SshMux.Logging;

/// <summary>
/// The log of the long-running modes (daemon, serve): every line at or above the chosen level
/// goes to stderr and to ssh-mux.log in the SSH directory (mode 0600), so a service that runs
/// without a terminal can still be diagnosed. When the file would grow past
/// <see cref="RotateBytes"/> it is renamed to ssh-mux.log.old (replacing the previous one)
/// and a new file is started, so the log never takes more than about twice that. Messages go
/// through <see cref="LogScrub"/>; a failing log file never stops the program, it falls back
/// to stderr alone and says so once.
/// </summary>
internal sealed class FileLog : IDisposable
{
    /// <summary>5 MB, as the seed's ssh-mux rotates.</summary>
    public const long DefaultRotateBytes = 5L * 1024 * 1024;

    private static readonly UTF8Encoding Utf8 = new(false);

    private readonly Lock gate = new();
    private readonly FileSafety safety;
    private readonly TextWriter? stderr;
    private FileStream? stream;
    private bool failed;

    private FileLog(string path, string oldPath, SshLogLevel minimum, long rotateBytes, TextWriter? stderr, FileSafety safety)
    {
        FilePath = path;
        OldPath = oldPath;
        Minimum = minimum;
        RotateBytes = rotateBytes;
        this.stderr = stderr;
        this.safety = safety;
        Log = Write;
    }

    public string FilePath { get; }

    public string OldPath { get; }

    public SshLogLevel Minimum { get; }

    public long RotateBytes { get; }

    /// <summary>The delegate to hand to the SSH stack and the relay.</summary>
    public SshLog Log { get; }

    /// <summary>
    /// The log for daemon and serve: ssh-mux.log in <paramref name="directory"/> plus
    /// <paramref name="stderr"/> (Console.Error when null). The file stays open for the life
    /// of the process; use <see cref="Open"/> to dispose it earlier.
    /// </summary>
    public static SshLog Create(SshDirectory directory, SshLogLevel minimum, TextWriter? stderr = null) =>
        Open(directory, minimum, stderr).Log;

    public static FileLog Open(SshDirectory directory, SshLogLevel minimum, TextWriter? stderr = null,
        long rotateBytes = DefaultRotateBytes, FileSafety? safety = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(rotateBytes, 1024);
        return new FileLog(directory.Log, directory.LogOld, minimum, rotateBytes, stderr ?? Console.Error, safety ?? FileSafety.Default);
    }

    public void Dispose()
    {
        lock (gate)
        {
            stream?.Dispose();
            stream = null;
        }
    }

    private void Write(SshLogLevel level, string message)
    {
        if (level < Minimum)
        {
            return;
        }

        var clean = LogScrub.Clean(message);
        var now = DateTimeOffset.Now;
        var name = LevelName(level);
        lock (gate)
        {
            stderr?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{now:HH:mm:ss.fff} {name,-7} {clean}"));
            if (failed)
            {
                return;
            }

            var line = Utf8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{now:yyyy-MM-dd'T'HH:mm:ss.fffzzz} {name,-7} {clean}\n"));
            try
            {
                var file = stream ??= OpenFile();
                if (file.Length > 0 && file.Length + line.Length > RotateBytes)
                {
                    file = Rotate();
                }

                file.Write(line);
                file.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failed = true;
                stream?.Dispose();
                stream = null;
                stderr?.WriteLine($"ssh-mux: logging to stderr only: cannot write {FilePath}: {e.Message}");
            }
        }
    }

    private FileStream Rotate()
    {
        stream?.Dispose();
        stream = null;
        safety.CheckFile(OldPath);
        File.Move(FilePath, OldPath, overwrite: true);
        return stream = OpenFile();
    }

    private FileStream OpenFile()
    {
        safety.CheckFile(FilePath);
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = SafeFile.Secret;
        }

        var file = new FileStream(FilePath, options);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file.SafeFileHandle, SafeFile.Secret);
        }

        return file;
    }

    private static string LevelName(SshLogLevel level) => level switch
    {
        SshLogLevel.Trace => "TRACE",
        SshLogLevel.Debug => "DEBUG",
        SshLogLevel.Info => "INFO",
        SshLogLevel.Warning => "WARNING",
        _ => "ERROR",
    };
}
