using SshMux.Routing;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Transport;

namespace SshMux.Prompts;

/// <summary>
/// Makes the local client answer its upstream's prompts itself, for routes with
/// <see cref="Route.RelayKeyboardInteractive"/>: a publickey that the inner authenticator
/// accepts becomes a partial success (RFC 4252 section 5.1), the client must then go on with
/// keyboard-interactive (RFC 4256), and that conversation connects the route's upstream while a
/// front end scoped to this route serves every prompt the upstream raises as one of the
/// client's own rounds. The conversation succeeds once the upstream is connected and fails
/// when it could not be (a wrong OTP: the client may simply try again). Other routes, and
/// every decision about keys, are the inner authenticator's.
/// </summary>
internal sealed class KeyboardInteractiveRelay(
    IServerAuthenticator inner,
    Func<string, Route?> findRoute,
    PromptBroker broker,
    Func<Route, CancellationToken, Task> connectUpstream,
    SshLog? log = null) : IServerAuthenticator
{
    private static readonly IReadOnlyList<string> KeyboardInteractiveOnly = [SshAuthMethods.KeyboardInteractive];

    public ValueTask<IReadOnlyList<string>> GetMethodsAsync(ServerAuthContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return RelayFor(context, afterPublicKey: true) is not null
            ? ValueTask.FromResult(KeyboardInteractiveOnly)
            : inner.GetMethodsAsync(context, cancellationToken);
    }

    public async ValueTask<PublicKeyDecision> CheckPublicKeyAsync(ServerAuthContext context, PublicKeyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var decision = await inner.CheckPublicKeyAsync(context, request, cancellationToken).ConfigureAwait(false);
        return decision.Outcome == AuthOutcome.Success && RelayFor(context, afterPublicKey: false) is not null
            ? decision with { Outcome = AuthOutcome.PartialSuccess }
            : decision;
    }

    public ValueTask<AuthOutcome> CheckPasswordAsync(ServerAuthContext context, ReadOnlyMemory<byte> password, CancellationToken cancellationToken) =>
        inner.CheckPasswordAsync(context, password, cancellationToken);

    public ValueTask<IKeyboardInteractiveConversation?> BeginKeyboardInteractiveAsync(ServerAuthContext context, string submethods, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (RelayFor(context, afterPublicKey: true) is not { } route)
        {
            return inner.BeginKeyboardInteractiveAsync(context, submethods, cancellationToken);
        }

        log?.Invoke(SshLogLevel.Info, $"Relaying the upstream's prompts for route \"{PromptText.Line(route.Name, 64)}\" to the connecting client");
        return ValueTask.FromResult<IKeyboardInteractiveConversation?>(new RelayConversation(route, broker, connectUpstream, log));
    }

    /// <summary>The route when this request is the relay's: a relaying route, and publickey done (or not yet, as asked).</summary>
    private Route? RelayFor(ServerAuthContext context, bool afterPublicKey)
    {
        var publicKeyDone = context.CompletedMethods.Contains(SshAuthMethods.PublicKey);
        if (publicKeyDone != afterPublicKey || context.CompletedMethods.Contains(SshAuthMethods.KeyboardInteractive))
        {
            return null;
        }

        return findRoute(context.User) is { RelayKeyboardInteractive: true } route ? route : null;
    }
}
