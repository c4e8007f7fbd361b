using SshMux.Paths;

namespace SshMux.Service;

/// <summary>The per-user service of the platform ssh-mux runs on.</summary>
internal static class ServiceBackends
{
    public static IServiceBackend ForCurrentPlatform(ICommandRunner runner, FileSafety safety)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsWindows())
        {
            return new WindowsStartup(Environment.GetFolderPath(Environment.SpecialFolder.Startup), runner, safety);
        }

        if (OperatingSystem.IsMacOS())
        {
            return new LaunchdAgent(home, safety.Status.CurrentUser ?? 0, runner, safety);
        }

        // XDG Base Directory: an absolute $XDG_CONFIG_HOME, else ~/.config.
        var configHome = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg && Path.IsPathFullyQualified(xdg)
            ? xdg
            : Path.Combine(home, ".config");
        return new SystemdUserService(configHome, runner, safety);
    }
}
