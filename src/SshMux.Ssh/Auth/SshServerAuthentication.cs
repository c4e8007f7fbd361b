using System.Diagnostics;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Transport.Messages;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Auth;

/// <summary>
/// The server side of the SSH user authentication protocol (RFC 4252, RFC 4256, OpenSSH
/// PROTOCOL 3.1) for one connection. Every message is handled on the transport's receive
/// loop, one at a time; decisions about users come from an <see cref="IServerAuthenticator"/>,
/// and this class does the rest: it verifies publickey signatures, counts failures
/// (disconnecting after <see cref="ServerAuthOptions.MaxAttempts"/>), enforces the grace
/// period, pads refusals to a user-specific minimum time and follows partial success.
/// </summary>
public sealed partial class SshServerAuthentication : ISshService
{
    private const int InProgress = 0;
    private const int Succeeded = 1;
    private const int Failed = 2;

    /// <summary>Requests of any kind (PK_OK queries included) before the connection is closed; OpenSSH has a similar bound.</summary>
    private const int MaxRequests = 1024;

    private readonly SshServiceRouter _router;
    private readonly SshTransport _transport;
    private readonly IServerAuthenticator _authenticator;
    private readonly ServerAuthOptions _options;
    private readonly TaskCompletionSource<ServerAuthResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopGraceTimer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _completed = [];
    private readonly List<SshPublicKey> _publicKeys = [];
    private readonly List<byte[]> _usedKeyBlobs = [];
    private int _state;
    private int _handling;
    private int _closed;
    private int _requests;
    private int _failures;
    private bool _bannerSent;
    private string? _user;

    /// <summary>Attaches itself to the router as its authentication service and starts the grace period.</summary>
    public SshServerAuthentication(SshServiceRouter router, IServerAuthenticator authenticator, ServerAuthOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(authenticator);
        options ??= new ServerAuthOptions();
        options.Validate();
        if (router.Transport.IsClient)
        {
            throw new InvalidOperationException("Server authentication needs a server transport");
        }

        _router = router;
        _transport = router.Transport;
        _authenticator = authenticator;
        _options = options;

        // Nobody has to await Completion: observe a failure so it is never reported as unobserved.
        _completion.Task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        router.Authentication = this;
        _transport.Completion.ContinueWith(_ => OnTransportClosed(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (options.GracePeriod != Timeout.InfiniteTimeSpan)
        {
            _ = RunGraceTimerAsync(options.GracePeriod);
        }
    }

    /// <summary>Completes when the user is authenticated; faults when the connection ends first (timeout, too many failures, close).</summary>
    public Task<ServerAuthResult> Completion => _completion.Task;

    /// <summary>The user name of the latest request, or null before the first.</summary>
    public string? User => Volatile.Read(ref _user);

    /// <summary>Failed attempts so far.</summary>
    public int Failures => Volatile.Read(ref _failures);

    public async ValueTask HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _state) != InProgress)
        {
            return;
        }

        Interlocked.Exchange(ref _handling, 1);
        try
        {
            await DispatchAsync(payload, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Dekker-style with OnTransportClosed: whichever side comes second ends the conversation.
            Interlocked.Exchange(ref _handling, 0);
            if (Volatile.Read(ref _closed) != 0 || Volatile.Read(ref _state) != InProgress)
            {
                EndConversation();
            }
        }
    }

    private async ValueTask DispatchAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var number = payload.Span[0];
        switch (number)
        {
            case UserAuthMessageNumbers.Request:
                await HandleRequestAsync(payload, cancellationToken).ConfigureAwait(false);
                break;
            case UserAuthMessageNumbers.InfoResponse:
                await HandleInfoResponseAsync(payload, cancellationToken).ConfigureAwait(false);
                break;
            case UserAuthMessageNumbers.Failure or UserAuthMessageNumbers.Success or UserAuthMessageNumbers.Banner or UserAuthMessageNumbers.MethodSpecific60:
                throw new SshException(DisconnectReason.ProtocolError, $"The client sent authentication message {number}, which only a server sends");
            default:
                // 62-79: method specific numbers of methods ssh-mux does not implement (RFC 4250 section 4.1.2).
                await _transport.SendMessageAsync(new UnimplementedMessage(_transport.LastReceivedSequenceNumber).ToPayload(), cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private async ValueTask HandleRequestAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (++_requests > MaxRequests)
        {
            throw Fail(new SshException(DisconnectReason.NoMoreAuthMethodsAvailable, $"Too many authentication requests ({MaxRequests}) for user \"{Printable(_user ?? string.Empty)}\""));
        }

        var request = UserAuthRequestMessage.Parse(payload);

        // A new request abandons any attempt in progress, such as a keyboard-interactive conversation (RFC 4252 section 5).
        EndConversation();
        await SendBannerOnceAsync(cancellationToken).ConfigureAwait(false);
        if (request.Service != SshAuthMethods.ConnectionService)
        {
            Log(SshLogLevel.Info, $"Refusing authentication for unknown service \"{Printable(request.Service)}\"");
            await RefuseAsync(request.User, started, cancellationToken).ConfigureAwait(false);
            return;
        }

        CheckUser(request.User);
        var context = Context();
        var allowed = await AllowedMethodsAsync(context, cancellationToken).ConfigureAwait(false);
        var method = request.Method == SshAuthMethods.PublicKeyHostBound ? SshAuthMethods.PublicKey : request.Method;
        if (request.Method == SshAuthMethods.None)
        {
            // RFC 4252 section 5.2: "none" asks for the list. Only a repeated one counts as a failure, as in OpenSSH.
            await SendFailureAsync(allowed, partial: false, cancellationToken, counted: _requests > 1, request.User).ConfigureAwait(false);
            return;
        }

        if (!allowed.Contains(method))
        {
            Log(SshLogLevel.Debug, $"Method \"{Printable(request.Method)}\" is not allowed for \"{Printable(request.User)}\" now");
            await RefuseAsync(request.User, started, cancellationToken).ConfigureAwait(false);
            return;
        }

        switch (method)
        {
            case SshAuthMethods.PublicKey:
                await HandlePublicKeyAsync(request, context, started, cancellationToken).ConfigureAwait(false);
                break;
            case SshAuthMethods.Password:
                await HandlePasswordAsync(request, context, started, cancellationToken).ConfigureAwait(false);
                break;
            default:
                await BeginConversationAsync(request, context, started, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// RFC 4252 section 5: a changed user name must flush the authentication state, or the
    /// server must disconnect. OpenSSH disconnects; <see cref="UserChangePolicy.Reset"/> flushes.
    /// </summary>
    private void CheckUser(string user)
    {
        if (_user is null)
        {
            Volatile.Write(ref _user, user);
            return;
        }

        if (_user == user)
        {
            return;
        }

        if (_options.UserChange == UserChangePolicy.Refuse)
        {
            throw Fail(new SshException(DisconnectReason.ProtocolError, $"Change of user name not allowed: \"{Printable(_user)}\" -> \"{Printable(user)}\""));
        }

        Log(SshLogLevel.Info, $"User name changed from \"{Printable(_user)}\" to \"{Printable(user)}\"; earlier partial successes are forgotten");
        Volatile.Write(ref _user, user);
        _completed.Clear();
        _publicKeys.Clear();
        _usedKeyBlobs.Clear();
        _restrictions = null;
    }

    private ServerAuthContext Context() => new(_user!, [.. _completed], _transport);

    /// <summary>The authenticator's methods that ssh-mux implements, in the authenticator's order.</summary>
    private async ValueTask<IReadOnlyList<string>> AllowedMethodsAsync(ServerAuthContext context, CancellationToken cancellationToken)
    {
        var methods = await _authenticator.GetMethodsAsync(context, cancellationToken).ConfigureAwait(false);
        return [.. methods.Where(m => m is SshAuthMethods.PublicKey or SshAuthMethods.Password or SshAuthMethods.KeyboardInteractive).Distinct()];
    }

    /// <summary>An outcome from the authenticator: success ends authentication, partial success asks for more.</summary>
    private async ValueTask AcceptAsync(string method, AuthOutcome outcome, SshPublicKey? key, CancellationToken cancellationToken, string? algorithm = null)
    {
        if (key is not null)
        {
            _publicKeys.Add(key);
            _usedKeyBlobs.Add(key.Blob.ToArray());
        }

        if (outcome == AuthOutcome.PartialSuccess)
        {
            _completed.Add(method);
            Log(SshLogLevel.Info, $"Partial success with {method}{Describe(algorithm, key)} for \"{Printable(_user!)}\"");
            var next = await AllowedMethodsAsync(Context(), cancellationToken).ConfigureAwait(false);
            await SendFailureAsync(next, partial: true, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (Interlocked.CompareExchange(ref _state, Succeeded, InProgress) != InProgress)
        {
            return;
        }

        _completed.Add(method);
        await _transport.SendMessageAsync(new[] { UserAuthMessageNumbers.Success }, cancellationToken).ConfigureAwait(false);

        // Still on the receive loop: the client's first connection message is routed after this returns.
        _router.MarkAuthenticated();
        _stopGraceTimer.TrySetResult();
        Log(SshLogLevel.Info, $"Accepted {string.Join(", ", _completed)}{Describe(algorithm, key)} for \"{Printable(_user!)}\"");
        _completion.TrySetResult(new ServerAuthResult(_user!, [.. _completed], [.. _publicKeys], _restrictions));
    }

    /// <summary>A refused attempt: counts as a failure, waits out the minimum refusal time, lists what can continue.</summary>
    private async ValueTask RefuseAsync(string user, long started, CancellationToken cancellationToken)
    {
        await FailureTiming.WaitAsync(_options.FailureDelay, user, started, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> allowed = _user is null ? [] : await AllowedMethodsAsync(Context(), cancellationToken).ConfigureAwait(false);
        await SendFailureAsync(allowed, partial: false, cancellationToken, counted: true, user).ConfigureAwait(false);
    }

    /// <summary>SSH_MSG_USERAUTH_FAILURE: name-list authentications that can continue, boolean partial success.</summary>
    private async ValueTask SendFailureAsync(IReadOnlyList<string> methods, bool partial, CancellationToken cancellationToken, bool counted = false, string? user = null)
    {
        if (counted && ++_failures >= _options.MaxAttempts)
        {
            // As sshd's auth_maxtries_exceeded: the last failure is answered by disconnecting.
            throw Fail(new SshException(DisconnectReason.NoMoreAuthMethodsAvailable,
                $"Too many authentication failures for user \"{Printable(user ?? _user ?? string.Empty)}\" ({_failures} of {_options.MaxAttempts})"));
        }

        using var message = new SshWriter();
        message.WriteByte(UserAuthMessageNumbers.Failure);
        message.WriteNameList(methods);
        message.WriteBoolean(partial);
        await _transport.SendMessageAsync(message.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask SendBannerOnceAsync(CancellationToken cancellationToken)
    {
        if (_bannerSent || _options.Banner is null)
        {
            return;
        }

        _bannerSent = true;
        using var message = new SshWriter();
        message.WriteByte(UserAuthMessageNumbers.Banner);
        message.WriteString(_options.Banner);
        message.WriteString(string.Empty);
        await _transport.SendMessageAsync(message.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends authentication with an error; the caller throws it so the transport disconnects with its reason.</summary>
    private SshException Fail(SshException error)
    {
        if (Interlocked.CompareExchange(ref _state, Failed, InProgress) == InProgress)
        {
            Log(SshLogLevel.Warning, error.Message);
            _stopGraceTimer.TrySetResult();
            _completion.TrySetException(error);
        }

        return error;
    }

    /// <summary>sshd_config LoginGraceTime: an unauthenticated connection is closed when its time is up.</summary>
    private async Task RunGraceTimerAsync(TimeSpan period)
    {
        using (var timer = new CancellationTokenSource())
        {
            var delay = Task.Delay(period, timer.Token);
            if (await Task.WhenAny(delay, _stopGraceTimer.Task).ConfigureAwait(false) != delay)
            {
                // Free the timer now rather than when the period would have ended.
                await timer.CancelAsync().ConfigureAwait(false);
                return;
            }
        }

        var user = _user is { } u ? $" for user \"{Printable(u)}\"" : string.Empty;
        var error = new SshException(DisconnectReason.ByApplication, $"Authentication timed out after {period.TotalSeconds:0.###} s{user}");
        if (Interlocked.CompareExchange(ref _state, Failed, InProgress) != InProgress)
        {
            return;
        }

        Log(SshLogLevel.Warning, error.Message);
        _completion.TrySetException(error);

        // Closing the transport cancels a pending authenticator call; OnTransportClosed cleans up.
        await _transport.DisconnectAsync(error.Reason, error.Message).ConfigureAwait(false);
    }

    private void OnTransportClosed()
    {
        _stopGraceTimer.TrySetResult();
        Interlocked.Exchange(ref _closed, 1);
        if (Volatile.Read(ref _handling) == 0)
        {
            EndConversation();
        }

        var reason = _transport.CloseReason;
        _completion.TrySetException(reason is null
            ? new SshException(DisconnectReason.ConnectionLost, "The connection closed before authentication succeeded")
            : new SshException(reason is SshException s ? s.Reason : DisconnectReason.ConnectionLost, "The connection closed before authentication succeeded: " + reason.Message, reason));
    }

    private static string Describe(string? algorithm, SshPublicKey? key) => key is null ? string.Empty : $" {algorithm} ({key.KeyType} {key.GetSha256Fingerprint()})";

    private static string Printable(string text) => VersionExchange.Printable(text, 64);

    private void Log(SshLogLevel level, string message) => _options.Log?.Invoke(level, message);
}
