using SshMux.Ssh.Auth;

namespace SshMux.Relay;

/// <summary>
/// Passes every decision to the inner authenticator and remembers the SHA256 fingerprint of the
/// key whose signed publickey request it accepted: the pool's "local user" while the client is
/// still authenticating (the keyboard-interactive relay connects the upstream for that key).
/// </summary>
internal sealed class AcceptedKeyRecorder(IServerAuthenticator inner) : IServerAuthenticator
{
    public string? Fingerprint { get; private set; }

    public ValueTask<IReadOnlyList<string>> GetMethodsAsync(ServerAuthContext context, CancellationToken cancellationToken) =>
        inner.GetMethodsAsync(context, cancellationToken);

    public async ValueTask<PublicKeyDecision> CheckPublicKeyAsync(ServerAuthContext context, PublicKeyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var decision = await inner.CheckPublicKeyAsync(context, request, cancellationToken).ConfigureAwait(false);
        if (request.HasSignature && decision.Outcome != AuthOutcome.Failure && (decision.SigningKey ?? request.PublicKey) is { } key)
        {
            Fingerprint = key.GetSha256Fingerprint();
        }

        return decision;
    }

    public ValueTask<AuthOutcome> CheckPasswordAsync(ServerAuthContext context, ReadOnlyMemory<byte> password, CancellationToken cancellationToken) =>
        inner.CheckPasswordAsync(context, password, cancellationToken);

    public ValueTask<IKeyboardInteractiveConversation?> BeginKeyboardInteractiveAsync(ServerAuthContext context, string submethods, CancellationToken cancellationToken) =>
        inner.BeginKeyboardInteractiveAsync(context, submethods, cancellationToken);
}
