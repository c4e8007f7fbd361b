using System.CommandLine;
using SshMux.Service;

namespace SshMux.Notifications;

/// <summary>
/// A desktop notification when a new session opens, off unless asked for (--notify): a
/// notification per `ssh` is noise to most people, and a headless service has no desktop.
/// Linux uses notify-send (libnotify-bin), macOS osascript; Windows has none yet. The text is
/// passed as an argument, never through a shell or into AppleScript source, and control
/// characters are dropped since part of it (the route) comes from the client.
/// </summary>
internal sealed class DesktopNotifier(bool enabled, ICommandRunner runner, DesktopNotifier.Kind kind, string? program)
{
    public enum Kind
    {
        None,
        NotifySend,
        Osascript,
    }

    private const int MaxText = 200;

    public bool Enabled => enabled && kind != Kind.None && program is not null;

    public static Option<bool> CreateOption() => new("--notify") { Description = "Show a desktop notification for every new session (notify-send or osascript)" };

    public static DesktopNotifier ForCurrentPlatform(bool enabled)
    {
        if (OperatingSystem.IsMacOS())
        {
            return new DesktopNotifier(enabled, ProcessCommandRunner.Instance, Kind.Osascript, "/usr/bin/osascript");
        }

        if (OperatingSystem.IsWindows())
        {
            return new DesktopNotifier(enabled, ProcessCommandRunner.Instance, Kind.None, null);
        }

        return new DesktopNotifier(enabled, ProcessCommandRunner.Instance, Kind.NotifySend, FindOnPath("notify-send"));
    }

    /// <summary>Reports a session the local server opened on <paramref name="route"/>; never throws.</summary>
    public void NewSession(string route, string detail)
    {
        if (!Enabled)
        {
            return;
        }

        var text = Clean($"New session on {route}" + (string.IsNullOrEmpty(detail) ? string.Empty : $" ({detail})"));
        string[] arguments = kind == Kind.NotifySend
            ? ["--app-name=ssh-mux", "--expire-time=5000", "--", "ssh-mux", text]
            : ["-e", "on run argv", "-e", "display notification (item 1 of argv) with title \"ssh-mux\"", "-e", "end run", text];
        try
        {
            runner.Start(program!, arguments);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            // A notification is a courtesy: a missing or broken notifier must not touch the session.
        }
    }

    private static string Clean(string text)
    {
        var clean = new string(text.Where(c => !char.IsControl(c)).ToArray());
        return clean.Length <= MaxText ? clean : clean[..MaxText];
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(Path.IsPathFullyQualified)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);
}
