namespace SshMux.Cli;

/// <summary>
/// Colour only on a terminal: not when the stream is redirected, not when NO_COLOR is set
/// (https://no-color.org, any non-empty value), not for TERM=dumb.
/// </summary>
internal static class Terminal
{
    public static bool ColorOnStderr => ColorAllowed(Console.IsErrorRedirected, Environment.GetEnvironmentVariable);

    public static bool ColorAllowed(bool redirected, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return !redirected
            && string.IsNullOrEmpty(environment("NO_COLOR"))
            && environment("TERM") != "dumb";
    }

    /// <summary>"ssh-mux COMMAND: message" on stderr, the prefix in red on a terminal.</summary>
    public static void Error(string command, string message)
    {
        var prefix = command.Length == 0 ? "ssh-mux:" : $"ssh-mux {command}:";
        Console.Error.WriteLine(ColorOnStderr ? $"\u001b[31m{prefix}\u001b[0m {message}" : $"{prefix} {message}");
    }
}
