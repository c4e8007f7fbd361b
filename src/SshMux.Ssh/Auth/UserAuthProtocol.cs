namespace SshMux.Ssh.Auth;

/// <summary>Names of the user authentication protocol (RFC 4252, RFC 4256, OpenSSH PROTOCOL 3.1).</summary>
public static class SshAuthMethods
{
    public const string None = "none";
    public const string PublicKey = "publickey";
    public const string Password = "password";
    public const string KeyboardInteractive = "keyboard-interactive";

    /// <summary>The request method of host-bound publickey authentication; it is listed to clients as "publickey".</summary>
    public const string PublicKeyHostBound = "publickey-hostbound-v00@openssh.com";

    /// <summary>The SSH_MSG_EXT_INFO extension a server announces host-bound publickey authentication with (value "0").</summary>
    public const string HostBoundExtension = "publickey-hostbound@openssh.com";

    /// <summary>The service requested with SSH_MSG_SERVICE_REQUEST before authentication (RFC 4252 section 1).</summary>
    public const string UserAuthService = "ssh-userauth";

    /// <summary>The one service ssh-mux authenticates for (RFC 4254).</summary>
    public const string ConnectionService = "ssh-connection";
}

/// <summary>Message numbers of RFC 4252 section 6 and RFC 4256 section 5.</summary>
internal static class UserAuthMessageNumbers
{
    public const byte Request = 50;
    public const byte Failure = 51;
    public const byte Success = 52;
    public const byte Banner = 53;

    // 60 is method specific: SSH_MSG_USERAUTH_PK_OK (publickey), SSH_MSG_USERAUTH_PASSWD_CHANGEREQ
    // (password), SSH_MSG_USERAUTH_INFO_REQUEST (keyboard-interactive).
    public const byte MethodSpecific60 = 60;
    public const byte InfoResponse = 61;
}

/// <summary>How a server decided one authentication step (RFC 4252 section 5.1).</summary>
public enum AuthOutcome
{
    /// <summary>Refused: SSH_MSG_USERAUTH_FAILURE with partial success FALSE.</summary>
    Failure,

    /// <summary>This method succeeded but more are needed: SSH_MSG_USERAUTH_FAILURE with partial success TRUE.</summary>
    PartialSuccess,

    /// <summary>The user is authenticated: SSH_MSG_USERAUTH_SUCCESS.</summary>
    Success,
}

/// <summary>One prompt of a keyboard-interactive round (RFC 4256 section 3.2).</summary>
/// <param name="Text">The prompt, e.g. "Password: ".</param>
/// <param name="Echo">Whether the answer may be shown as it is typed (FALSE for secrets).</param>
public sealed record KeyboardInteractivePrompt(string Text, bool Echo);
