namespace SshMux.Ssh.Sftp;

/// <summary>
/// An SFTP request failed: the server's SSH_FXP_STATUS code and message
/// (draft-ietf-secsh-filexfer-02 section 7), or a malformed reply (<see cref="SftpStatusCode.BadMessage"/>).
/// </summary>
public sealed class SftpException : SshException
{
    public SftpException(SftpStatusCode code, string message)
        : base(DisconnectReason.ByApplication, message) => Code = code;

    public SftpException(SftpStatusCode code, string message, Exception inner)
        : base(DisconnectReason.ByApplication, message, inner) => Code = code;

    public SftpException() : this(SftpStatusCode.Failure, "SFTP request failed")
    {
    }

    public SftpException(string message) : this(SftpStatusCode.Failure, message)
    {
    }

    public SftpException(string message, Exception inner) : this(SftpStatusCode.Failure, message, inner)
    {
    }

    public SftpStatusCode Code { get; }

    /// <summary>The server's own text, sanitised; empty when it sent none.</summary>
    public string ServerMessage { get; init; } = string.Empty;

    internal static string Describe(SftpStatusCode code) => code switch
    {
        SftpStatusCode.Ok => "SSH_FX_OK",
        SftpStatusCode.Eof => "SSH_FX_EOF",
        SftpStatusCode.NoSuchFile => "SSH_FX_NO_SUCH_FILE",
        SftpStatusCode.PermissionDenied => "SSH_FX_PERMISSION_DENIED",
        SftpStatusCode.Failure => "SSH_FX_FAILURE",
        SftpStatusCode.BadMessage => "SSH_FX_BAD_MESSAGE",
        SftpStatusCode.NoConnection => "SSH_FX_NO_CONNECTION",
        SftpStatusCode.ConnectionLost => "SSH_FX_CONNECTION_LOST",
        SftpStatusCode.OpUnsupported => "SSH_FX_OP_UNSUPPORTED",
        _ => $"status {(uint)code}",
    };
}
