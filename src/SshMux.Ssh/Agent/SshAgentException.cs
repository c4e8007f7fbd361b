namespace SshMux.Ssh.Agent;

/// <summary>What went wrong talking to an ssh-agent, so a caller can tell "no agent" from "agent misbehaved".</summary>
public enum SshAgentError
{
    /// <summary>No agent is configured: SSH_AUTH_SOCK is not set.</summary>
    NoAgent,

    /// <summary>The socket or pipe is missing, refused the connection or is not accessible.</summary>
    ConnectFailed,

    /// <summary>The agent answered SSH_AGENT_FAILURE (unknown key, confirmation denied, locked agent).</summary>
    Refused,

    /// <summary>The agent did not answer within the timeout.</summary>
    Timeout,

    /// <summary>The agent closed the connection or the connection broke, possibly in the middle of a reply.</summary>
    ConnectionClosed,

    /// <summary>The reply was malformed: bad framing, too large, an unexpected message type or trailing bytes.</summary>
    ProtocolError,

    /// <summary>The agent signed with another algorithm than the one requested (for example SHA-1 ssh-rsa instead of rsa-sha2-512).</summary>
    AlgorithmMismatch,

    /// <summary>The agent's signature does not verify with the key's public key.</summary>
    InvalidSignature,
}

/// <summary>
/// A failure of the ssh-agent client. It is an <see cref="SshException"/> so the authentication
/// layer has one exception type to handle; the reason is ByApplication because a broken agent
/// is a local problem, not a protocol violation by the SSH server.
/// </summary>
public sealed class SshAgentException : SshException
{
    public SshAgentException(SshAgentError error, string message) : base(DisconnectReason.ByApplication, message) => Error = error;

    public SshAgentException(SshAgentError error, string message, Exception inner) : base(DisconnectReason.ByApplication, message, inner) => Error = error;

    public SshAgentException() : this(SshAgentError.ProtocolError, "ssh-agent error") { }

    public SshAgentException(string message) : this(SshAgentError.ProtocolError, message) { }

    public SshAgentException(string message, Exception inner) : this(SshAgentError.ProtocolError, message, inner) { }

    public SshAgentError Error { get; }
}
