namespace SshMux.Setup;

/// <summary>The platform facts setup-config depends on, a seam so that tests can play Windows.</summary>
/// <param name="IsWindows">Whether to write the Cursor askpass wrappers when <paramref name="Home"/> is not ASCII.</param>
/// <param name="Home">The user's profile directory (on Windows from the Known Folder API, not %USERPROFILE%).</param>
/// <param name="SystemDirectory">Where Windows' own OpenSSH lives (GetSystemDirectoryW, not %SystemRoot%).</param>
internal sealed record SetupPlatform(bool IsWindows, string Home, string SystemDirectory)
{
    public static SetupPlatform Current { get; } = new(
        OperatingSystem.IsWindows(),
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
        Environment.SystemDirectory);
}
