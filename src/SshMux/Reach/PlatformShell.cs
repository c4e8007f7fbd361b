using System.Diagnostics;

namespace SshMux.Reach;

/// <summary>
/// How a ProxyCommand line is run: through the platform's shell, as ssh does
/// (sshconnect.c ssh_proxy_connect runs "exec COMMAND" with $SHELL -c; ssh-mux uses /bin/sh
/// so a user's login shell cannot change what a route does). The seam lets Windows use
/// cmd.exe /c; its quoting rules differ from sh's, so a route written for one shell is not
/// portable to the other.
/// </summary>
internal sealed record PlatformShell(string FileName, IReadOnlyList<string> ArgumentsBeforeCommand, string CommandPrefix)
{
    public static PlatformShell Unix { get; } = new("/bin/sh", ["-c"], "exec ");

    /// <summary>cmd.exe resolved from the system directory, not from PATH or %ComSpec% (both can be planted).</summary>
    public static PlatformShell Windows { get; } = new(Path.Combine(Environment.SystemDirectory, "cmd.exe"), ["/d", "/s", "/c"], string.Empty);

    public static PlatformShell Current => OperatingSystem.IsWindows() ? Windows : Unix;

    public ProcessStartInfo StartInfo(string command)
    {
        // "exec" makes sh replace itself with the command, so killing the process kills the command.
        var info = new ProcessStartInfo(FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in ArgumentsBeforeCommand)
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add(CommandPrefix + command);
        return info;
    }
}
