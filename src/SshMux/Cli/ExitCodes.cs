namespace SshMux.Cli;

/// <summary>Exit codes scripts can rely on; documented in README.md.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The host could not be reached: name not resolved, refused, timed out.</summary>
    public const int Unreachable = 1;

    /// <summary>Bad command line (System.CommandLine's own parse errors also exit with 1; usage is reported on stderr).</summary>
    public const int Usage = 2;

    /// <summary>Reached, but the peer does not speak SSH-2 or the handshake failed.</summary>
    public const int ProtocolFailure = 3;

    public const int Interrupted = 130;
}
