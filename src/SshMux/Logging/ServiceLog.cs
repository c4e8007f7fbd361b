using SshMux.Paths;
using SshMux.Ssh.Transport;

namespace SshMux.Logging;

/// <summary>The one call serve and daemon make to set up their log.</summary>
internal static class ServiceLog
{
    /// <summary>
    /// Resolves the level (--log-level, else SSH_MUX_LOG, else info), opens ssh-mux.log in
    /// <paramref name="directory"/> next to <paramref name="stderr"/>, and records crashes in
    /// it from now on. Null, with the reason on <paramref name="stderr"/>, when the level is
    /// not one ssh-mux knows (the caller exits with ExitCodes.Usage).
    /// </summary>
    public static SshLog? Start(SshDirectory directory, string? levelOption, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        if (!LogLevels.TryResolve(levelOption, Environment.GetEnvironmentVariable, out var level, out var error))
        {
            stderr.WriteLine("ssh-mux: " + error);
            return null;
        }

        var log = FileLog.Create(directory, level, stderr);
        CrashLog.Install(log);
        return log;
    }
}
