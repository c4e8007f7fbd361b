using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Auth;

/// <summary>What the password callback is told.</summary>
/// <param name="User">The user being authenticated.</param>
/// <param name="Attempt">1 for the first password, then 2, 3, ... after refusals.</param>
public sealed record PasswordRequest(string User, int Attempt);

/// <summary>One round of keyboard-interactive authentication (RFC 4256 section 3.2), as the server sent it.</summary>
/// <param name="User">The user being authenticated.</param>
/// <param name="Name">The round's title; may be empty.</param>
/// <param name="Instruction">Text to show before the prompts; may be empty.</param>
/// <param name="Prompts">The questions, each with its echo flag; may be empty (the round is then answered with no responses).</param>
/// <param name="Round">1 for the first round of an attempt, then 2, 3, ...</param>
public sealed record KeyboardInteractiveRound(string User, string Name, string Instruction, IReadOnlyList<KeyboardInteractivePrompt> Prompts, int Round);

/// <summary>
/// How the client authenticates (RFC 4252). Methods are tried in <see cref="Methods"/> order
/// among those the server says can continue; a method is tried only when it is configured
/// (identities, or a callback). Secrets handed over as byte arrays (passwords, answers) are
/// zeroed once sent.
/// </summary>
public sealed class ClientAuthOptions
{
    /// <summary>The client's order of preference; OpenSSH's default order (ssh_config PreferredAuthentications).</summary>
    public IReadOnlyList<string> Methods { get; set; } =
        [SshAuthMethods.PublicKey, SshAuthMethods.KeyboardInteractive, SshAuthMethods.Password];

    /// <summary>Keys offered in publickey authentication, in order.</summary>
    public IReadOnlyList<ISshIdentity> Identities { get; set; } = [];

    /// <summary>
    /// Returns the password as UTF-8 bytes (zeroed after sending), or null to stop trying
    /// passwords. Without a callback the password method is not used.
    /// </summary>
    public Func<PasswordRequest, CancellationToken, ValueTask<byte[]?>>? PasswordCallback { get; set; }

    /// <summary>
    /// Answers one keyboard-interactive round: one UTF-8 byte array per prompt (zeroed after
    /// sending), or null to give up this method. Rounds without prompts are shown to the
    /// callback too and answered with no responses whatever it returns.
    /// </summary>
    public Func<KeyboardInteractiveRound, CancellationToken, ValueTask<IReadOnlyList<byte[]>?>>? KeyboardInteractiveCallback { get; set; }

    /// <summary>Receives SSH_MSG_USERAUTH_BANNER text with control characters made visible (RFC 4252 section 5.4).</summary>
    public Action<string>? BannerCallback { get; set; }

    /// <summary>Passwords tried before giving up the method (ssh_config NumberOfPasswordPrompts).</summary>
    public int MaxPasswordAttempts { get; set; } = 3;

    /// <summary>Keyboard-interactive conversations tried before giving up the method.</summary>
    public int MaxKeyboardInteractiveAttempts { get; set; } = 3;

    /// <summary>
    /// Public key algorithms the client may use in requests (ssh_config PubkeyAcceptedAlgorithms);
    /// keys none of whose algorithms are listed are skipped.
    /// </summary>
    public IReadOnlyList<string> PublicKeyAlgorithms { get; set; } = Auth.PublicKeyAlgorithms.Default;

    /// <summary>Allows SHA-1 "ssh-rsa" signatures for RSA keys when the server lists it (off, as in OpenSSH 8.8+).</summary>
    public bool EnableSshRsaSha1 { get; set; }

    /// <summary>Uses publickey-hostbound-v00@openssh.com when the server announces it (OpenSSH PROTOCOL 3.1).</summary>
    public bool UseHostBoundPublicKey { get; set; } = true;

    public SshLog? Log { get; set; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Methods);
        ArgumentNullException.ThrowIfNull(Identities);
        ArgumentNullException.ThrowIfNull(PublicKeyAlgorithms);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPasswordAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxKeyboardInteractiveAttempts, 1);
        foreach (var identity in Identities)
        {
            ArgumentNullException.ThrowIfNull(identity, nameof(Identities));
        }
    }
}

/// <summary>How a client authentication ended.</summary>
/// <param name="User">The user now authenticated.</param>
/// <param name="Methods">The methods that succeeded, in order (more than one after partial success).</param>
/// <param name="Identity">The last key that signed in, when publickey was used.</param>
/// <param name="SignatureAlgorithm">The signature algorithm of that key's signature.</param>
public sealed record ClientAuthResult(string User, IReadOnlyList<string> Methods, ISshIdentity? Identity, string? SignatureAlgorithm);
