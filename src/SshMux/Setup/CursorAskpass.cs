namespace SshMux.Setup;

/// <summary>
/// Windows only. Win32-OpenSSH starts SSH_ASKPASS through a narrow-string CreateProcess, which
/// cannot find a program under a home directory with non-ASCII characters (Cursor keeps its
/// askpass helper under C:\Users\NAME\.cursor), so host key and passphrase prompts fail with
/// "CreateProcessW failed error:2". Two wrappers in the (ASCII) SSH directory fix it:
/// cursor-ssh.cmd, set as Cursor's remote.SSH.path, keeps the original SSH_ASKPASS in another
/// variable and points SSH_ASKPASS at cursor-askpass.cmd, whose ASCII path ssh can start; that
/// one hands the prompt to the original helper through cmd.exe, which takes wide paths.
/// </summary>
internal static class CursorAskpass
{
    public const string SshWrapperName = "cursor-ssh.cmd";
    public const string AskpassWrapperName = "cursor-askpass.cmd";

    /// <summary>Whether the wrappers are needed: Windows and a home path outside ASCII.</summary>
    public static bool Needed(SetupPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        return platform.IsWindows && platform.Home.Any(c => c > 0x7F);
    }

    /// <summary>The two scripts (file name and text, CRLF line ends as cmd.exe expects).</summary>
    public static IReadOnlyList<(string Name, string Text)> Render(string sshDirectory, string systemDirectory)
    {
        ArgumentNullException.ThrowIfNull(sshDirectory);
        ArgumentNullException.ThrowIfNull(systemDirectory);
        var askpass = CmdPath(WindowsCombine(sshDirectory, AskpassWrapperName), "SSH directory");
        var ssh = CmdPath(WindowsCombine(systemDirectory, @"OpenSSH\ssh.exe"), "system directory");
        string[] sshWrapper =
        [
            "@echo off",
            "rem Written by ssh-mux setup-config: Cursor's remote.SSH.path points here so that ssh can",
            "rem start the askpass helper even when it lives under a non-ASCII home directory.",
            "setlocal",
            "if defined SSH_ASKPASS (",
            "  set \"SSH_MUX_CURSOR_ASKPASS=%SSH_ASKPASS%\"",
            $"  set \"SSH_ASKPASS={askpass}\"",
            ")",
            $"\"{ssh}\" %*",
            "exit /b %ERRORLEVEL%",
        ];
        string[] askpassWrapper =
        [
            "@echo off",
            "rem Written by ssh-mux setup-config: started by ssh as SSH_ASKPASS from an ASCII path,",
            "rem it runs Cursor's own askpass helper, whose path cmd.exe can open.",
            "if not defined SSH_MUX_CURSOR_ASKPASS exit /b 1",
            "call \"%SSH_MUX_CURSOR_ASKPASS%\" %*",
            "exit /b %ERRORLEVEL%",
        ];
        return [(SshWrapperName, Join(sshWrapper)), (AskpassWrapperName, Join(askpassWrapper))];
    }

    // cmd.exe expands %VAR% even inside quotes and stops a quoted word at a quote: a path with
    // either cannot be written safely, and one outside ASCII would defeat the wrapper's purpose.
    private static string CmdPath(string path, string what)
    {
        if (path.Any(c => c > 0x7E || c < 0x20 || c is '"' or '%' or '^' or '!'))
        {
            throw new SetupException($"the {what} {path} must be plain ASCII without \" % ^ ! for the Cursor askpass wrappers; set SSH_MUX_SSH_DIR to such a directory (for example C:\\dev\\.ssh)");
        }

        return path;
    }

    // Backslashes whatever the platform the text is generated on (tests run on Linux).
    private static string WindowsCombine(string directory, string name) => directory.TrimEnd('\\', '/') + "\\" + name;

    private static string Join(string[] lines) => string.Join("\r\n", lines) + "\r\n";
}
