namespace SshMux.Ssh.Auth;

/// <summary>
/// Authentication failed: no method the server allows is left to try. The message reads as
/// OpenSSH's, "Permission denied (publickey,password).", followed by what was tried.
/// </summary>
public sealed class SshAuthenticationException : SshException
{
    public SshAuthenticationException(string user, IReadOnlyList<string> allowedMethods, IReadOnlyList<string> triedMethods, IReadOnlyList<string> succeededMethods, string? note)
        : base(DisconnectReason.NoMoreAuthMethodsAvailable, Describe(user, allowedMethods, triedMethods, succeededMethods, note))
    {
        User = user;
        AllowedMethods = allowedMethods;
        TriedMethods = triedMethods;
        SucceededMethods = succeededMethods;
    }

    public SshAuthenticationException() : this(string.Empty, [], [], [], null) { }

    public SshAuthenticationException(string message) : base(DisconnectReason.NoMoreAuthMethodsAvailable, message) { }

    public SshAuthenticationException(string message, Exception inner) : base(DisconnectReason.NoMoreAuthMethodsAvailable, message, inner) { }

    public string User { get; } = string.Empty;

    /// <summary>The methods the server last said can continue.</summary>
    public IReadOnlyList<string> AllowedMethods { get; } = [];

    /// <summary>Every request made, in order: "none", "publickey ssh-ed25519 SHA256:...", "password", ...</summary>
    public IReadOnlyList<string> TriedMethods { get; } = [];

    /// <summary>Methods that partially succeeded before the failure.</summary>
    public IReadOnlyList<string> SucceededMethods { get; } = [];

    private static string Describe(string user, IReadOnlyList<string> allowed, IReadOnlyList<string> tried, IReadOnlyList<string> succeeded, string? note)
    {
        var text = $"Permission denied ({string.Join(',', allowed)}) for user \"{user}\". Tried: {(tried.Count == 0 ? "nothing" : string.Join("; ", tried))}.";
        if (succeeded.Count > 0)
        {
            text += $" Partial success with: {string.Join(", ", succeeded)}.";
        }

        return note is null ? text : text + " " + note;
    }
}
