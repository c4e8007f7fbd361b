namespace SshMux.Ssh;

/// <summary>SSH_MSG_DISCONNECT reason codes (RFC 4253 section 11.1, RFC 4250 section 4.2.2).</summary>
public enum DisconnectReason : uint
{
    None = 0,
    HostNotAllowedToConnect = 1,
    ProtocolError = 2,
    KeyExchangeFailed = 3,
    Reserved = 4,
    MacError = 5,
    CompressionError = 6,
    ServiceNotAvailable = 7,
    ProtocolVersionNotSupported = 8,
    HostKeyNotVerifiable = 9,
    ConnectionLost = 10,
    ByApplication = 11,
    TooManyConnections = 12,
    AuthCancelledByUser = 13,
    NoMoreAuthMethodsAvailable = 14,
    IllegalUserName = 15,
}

/// <summary>
/// The one exception type of the SSH stack. It carries the RFC 4253 disconnect reason that
/// the connection is closed with, so every failure has one close path.
/// </summary>
public class SshException : Exception
{
    public SshException(DisconnectReason reason, string message) : base(message) => Reason = reason;

    public SshException(DisconnectReason reason, string message, Exception inner) : base(message, inner) => Reason = reason;

    public SshException() : this(DisconnectReason.ProtocolError, "SSH protocol error") { }

    public SshException(string message) : this(DisconnectReason.ProtocolError, message) { }

    public SshException(string message, Exception inner) : this(DisconnectReason.ProtocolError, message, inner) { }

    public DisconnectReason Reason { get; }

    /// <summary>True when the peer sent SSH_MSG_DISCONNECT (as opposed to us detecting the problem).</summary>
    public bool FromPeer { get; init; }
}
