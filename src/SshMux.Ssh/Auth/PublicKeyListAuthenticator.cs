using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Auth;

/// <summary>
/// The simplest <see cref="IServerAuthenticator"/>: publickey only, with plain keys that
/// may sign in as any user, and optionally keys for one user each. Every lookup does the
/// same work whether or not the user has keys, and every user is offered "publickey", so
/// answers do not reveal which users exist. Safe to add keys while connections use it.
/// </summary>
public sealed class PublicKeyListAuthenticator : IServerAuthenticator
{
    private static readonly IReadOnlyList<string> Methods = Array.AsReadOnly([SshAuthMethods.PublicKey]);

    private readonly object _gate = new();
    private readonly HashSet<SshPublicKey> _anyUser = [];
    private readonly HashSet<(string User, SshPublicKey Key)> _perUser = [];

    public PublicKeyListAuthenticator()
    {
    }

    /// <summary>Allows each of <paramref name="keysForAnyUser"/> to sign in as any user.</summary>
    public PublicKeyListAuthenticator(IEnumerable<SshPublicKey> keysForAnyUser)
    {
        ArgumentNullException.ThrowIfNull(keysForAnyUser);
        foreach (var key in keysForAnyUser)
        {
            Add(key);
        }
    }

    /// <summary>Allows the key to sign in as any user.</summary>
    public void Add(SshPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            _anyUser.Add(key);
        }
    }

    /// <summary>Allows the key to sign in as <paramref name="user"/> only.</summary>
    public void Add(string user, SshPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            _perUser.Add((user, key));
        }
    }

    public ValueTask<IReadOnlyList<string>> GetMethodsAsync(ServerAuthContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Methods);

    public ValueTask<PublicKeyDecision> CheckPublicKeyAsync(ServerAuthContext context, PublicKeyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);

        // Certificates need a CA list, which this authenticator does not have.
        if (request.PublicKey is not { } key)
        {
            return ValueTask.FromResult(PublicKeyDecision.Refuse);
        }

        bool anyUser, forUser;
        lock (_gate)
        {
            // Both lookups always run (non-short-circuit '|'), for known and unknown users alike.
            anyUser = _anyUser.Contains(key);
            forUser = _perUser.Contains((context.User, key));
        }

        return ValueTask.FromResult((anyUser | forUser) ? new PublicKeyDecision(AuthOutcome.Success) : PublicKeyDecision.Refuse);
    }

    public ValueTask<AuthOutcome> CheckPasswordAsync(ServerAuthContext context, ReadOnlyMemory<byte> password, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AuthOutcome.Failure);

    public ValueTask<IKeyboardInteractiveConversation?> BeginKeyboardInteractiveAsync(ServerAuthContext context, string submethods, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IKeyboardInteractiveConversation?>(null);
}
