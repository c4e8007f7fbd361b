using System.CommandLine;
using SshMux.Ssh.Transport;

namespace SshMux.Logging;

/// <summary>
/// Log verbosity: --log-level on the command line wins over SSH_MUX_LOG in the environment,
/// which wins over the default (info).
/// </summary>
internal static class LogLevels
{
    public const string EnvironmentVariable = "SSH_MUX_LOG";

    public const SshLogLevel Default = SshLogLevel.Info;

    /// <summary>The --log-level option every long-running command shares.</summary>
    public static Option<string?> CreateOption() => new("--log-level")
    {
        Description = $"Log verbosity: trace, debug, info, warning or error (default: ${EnvironmentVariable}, else info)",
    };

    /// <summary>The level from the option or the environment; false with an error naming the bad value.</summary>
    public static bool TryResolve(string? option, Func<string, string?> environment, out SshLogLevel level, out string? error)
    {
        ArgumentNullException.ThrowIfNull(environment);
        error = null;
        if (!string.IsNullOrEmpty(option))
        {
            if (TryParse(option, out level))
            {
                return true;
            }

            error = $"--log-level: unknown level '{option}' (trace, debug, info, warning, error)";
            return false;
        }

        var fromEnvironment = environment(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            if (TryParse(fromEnvironment, out level))
            {
                return true;
            }

            error = $"{EnvironmentVariable}: unknown level '{fromEnvironment}' (trace, debug, info, warning, error)";
            return false;
        }

        level = Default;
        return true;
    }

    public static bool TryParse(string text, out SshLogLevel level)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text.Trim().ToLowerInvariant())
        {
            case "trace":
                level = SshLogLevel.Trace;
                return true;
            case "debug":
                level = SshLogLevel.Debug;
                return true;
            case "info":
                level = SshLogLevel.Info;
                return true;
            case "warning" or "warn":
                level = SshLogLevel.Warning;
                return true;
            case "error":
                level = SshLogLevel.Error;
                return true;
            default:
                level = Default;
                return false;
        }
    }
}
