namespace SshMux.Cli;

/// <summary>Exit codes scripts can rely on; documented in docs/cli.md.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The host could not be reached: name not resolved, refused, timed out.</summary>
    public const int Unreachable = 1;

    /// <summary>Bad command line (System.CommandLine's own parse errors also exit with 1; usage is reported on stderr).</summary>
    public const int Usage = 2;

    /// <summary>Reached, but the peer does not speak SSH-2 or the handshake failed.</summary>
    public const int ProtocolFailure = 3;

    /// <summary>A file, directory or route was refused (symlink, unsafe ownership or mode, invalid route); nothing was written.</summary>
    public const int ConfigRefused = 4;

    /// <summary>The service manager (systemctl, launchctl) failed; the files were written, the message says what to run.</summary>
    public const int ServiceManagerFailed = 5;

    public const int Interrupted = 130;
}
