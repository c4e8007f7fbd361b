using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Auth;

/// <summary>Where one authentication request stands.</summary>
/// <param name="User">The user name from the request (UTF-8, as the client sent it).</param>
/// <param name="CompletedMethods">Methods that already succeeded partially on this connection, in order.</param>
/// <param name="Transport">The connection (session id, peer version, host key).</param>
public sealed record ServerAuthContext(string User, IReadOnlyList<string> CompletedMethods, SshTransport Transport);

/// <summary>A publickey request as the server received it.</summary>
/// <param name="Algorithm">The public key algorithm name of the request, e.g. "rsa-sha2-512" or "ssh-ed25519-cert-v01@openssh.com".</param>
/// <param name="Blob">The key or certificate blob; valid only during the call.</param>
/// <param name="PublicKey">The decoded key for plain key algorithms; null for certificates (the authenticator decodes those).</param>
/// <param name="HasSignature">False for the query that asks whether a key would be accepted (RFC 4252 section 7).</param>
public sealed record PublicKeyRequest(string Algorithm, ReadOnlyMemory<byte> Blob, SshPublicKey? PublicKey, bool HasSignature);

/// <summary>An authenticator's answer to a publickey request.</summary>
/// <param name="Outcome">What a valid signature leads to: <see cref="AuthOutcome.Failure"/> refuses the key.</param>
/// <param name="SigningKey">
/// For certificates: the certificate's key, which the signature must verify with. Ignored for
/// plain keys (the server verifies with the key from the request).
/// </param>
/// <param name="Restrictions">
/// What a session signed in with this key may do (authorized_keys options, certificate
/// options); null for no restrictions. Reaches the connection layer through <see cref="ServerAuthResult.Restrictions"/>.
/// </param>
public readonly record struct PublicKeyDecision(AuthOutcome Outcome, SshPublicKey? SigningKey = null, AuthorizedKeyRestrictions? Restrictions = null)
{
    public static PublicKeyDecision Refuse => new(AuthOutcome.Failure);
}

/// <summary>
/// The server's decisions about users, behind <see cref="SshServerAuthentication"/>, which
/// handles the protocol (RFC 4252): verifying publickey signatures, counting failures,
/// timeouts. Every answer must be the same for a user that does not exist as for one that
/// does (a method list that does not depend on the user, a refused key, a conversation that
/// fails at the end), so that no request reveals which users exist.
/// </summary>
public interface IServerAuthenticator
{
    /// <summary>
    /// The methods the user may use next (of "publickey", "password", "keyboard-interactive"),
    /// given what already succeeded. Asked for every request and after every partial success.
    /// </summary>
    ValueTask<IReadOnlyList<string>> GetMethodsAsync(ServerAuthContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the key (or certificate) may sign in as the user, and with what outcome. Asked
    /// for the query and again for the signed request; the server verifies the signature.
    /// </summary>
    ValueTask<PublicKeyDecision> CheckPublicKeyAsync(ServerAuthContext context, PublicKeyRequest request, CancellationToken cancellationToken);

    /// <summary>Checks a password (UTF-8 bytes, valid only during the call; do not keep them).</summary>
    ValueTask<AuthOutcome> CheckPasswordAsync(ServerAuthContext context, ReadOnlyMemory<byte> password, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a keyboard-interactive conversation (RFC 4256), or returns null to refuse the
    /// method. <paramref name="submethods"/> is the client's hint, often empty.
    /// </summary>
    ValueTask<IKeyboardInteractiveConversation?> BeginKeyboardInteractiveAsync(ServerAuthContext context, string submethods, CancellationToken cancellationToken);
}

/// <summary>
/// One keyboard-interactive conversation: rounds of prompts until an outcome. The server
/// disposes it when it ends or the client abandons it (any new request does).
/// </summary>
public interface IKeyboardInteractiveConversation : IDisposable
{
    /// <summary>
    /// Takes the answers to the previous round (none on the first call; UTF-8, valid only
    /// during the call) and returns the next round or the outcome.
    /// </summary>
    ValueTask<KeyboardInteractiveStep> NextAsync(IReadOnlyList<ReadOnlyMemory<byte>> responses, CancellationToken cancellationToken);
}

/// <summary>The next step of a keyboard-interactive conversation: a round of prompts, or the outcome.</summary>
public sealed class KeyboardInteractiveStep
{
    private KeyboardInteractiveStep(AuthOutcome? outcome, string name, string instruction, IReadOnlyList<KeyboardInteractivePrompt> prompts)
    {
        Outcome = outcome;
        Name = name;
        Instruction = instruction;
        Prompts = prompts;
    }

    /// <summary>Null while the conversation goes on.</summary>
    public AuthOutcome? Outcome { get; }

    public string Name { get; }

    public string Instruction { get; }

    public IReadOnlyList<KeyboardInteractivePrompt> Prompts { get; }

    /// <summary>Sends SSH_MSG_USERAUTH_INFO_REQUEST; a round may have no prompts (only text to show).</summary>
    public static KeyboardInteractiveStep Ask(string name, string instruction, IReadOnlyList<KeyboardInteractivePrompt> prompts)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(instruction);
        ArgumentNullException.ThrowIfNull(prompts);
        return new KeyboardInteractiveStep(null, name, instruction, prompts);
    }

    public static KeyboardInteractiveStep Finish(AuthOutcome outcome) => new(outcome, string.Empty, string.Empty, []);
}
