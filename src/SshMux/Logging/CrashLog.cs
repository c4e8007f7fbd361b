using SshMux.Ssh.Transport;

namespace SshMux.Logging;

/// <summary>
/// Records a crash in the log before the process dies: an exception no one caught on any
/// thread, and a faulted task whose exception no one observed (which .NET otherwise drops
/// silently). The file log flushes every line, so the record survives the exit.
/// </summary>
internal static class CrashLog
{
    private static SshLog? target;

    /// <summary>Sends crashes to <paramref name="log"/> from now on (the last call wins).</summary>
    public static void Install(SshLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (Interlocked.Exchange(ref target, log) is null)
        {
            AppDomain.CurrentDomain.UnhandledException += OnUnhandled;
            TaskScheduler.UnobservedTaskException += OnUnobserved;
        }
    }

    internal static void OnUnhandled(object? sender, UnhandledExceptionEventArgs e)
    {
        var what = e.ExceptionObject is Exception exception ? exception.ToString() : e.ExceptionObject?.ToString() ?? "(null)";
        Volatile.Read(ref target)?.Invoke(SshLogLevel.Error,
            $"unhandled exception{(e.IsTerminating ? ", exiting" : string.Empty)}: {what}");
    }

    internal static void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        Volatile.Read(ref target)?.Invoke(SshLogLevel.Error, $"unobserved task exception: {e.Exception}");
    }
}
