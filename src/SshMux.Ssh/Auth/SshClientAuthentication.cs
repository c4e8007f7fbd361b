using System.Text;
using System.Threading.Channels;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Auth;

/// <summary>The client side of the SSH user authentication protocol (RFC 4252).</summary>
public static class SshClientAuthentication
{
    /// <summary>
    /// Requests the ssh-userauth service and authenticates <paramref name="user"/> for
    /// ssh-connection. Starts with "none" to learn the methods the server allows, then tries
    /// the configured methods in <see cref="ClientAuthOptions.Methods"/> order among those,
    /// following partial success until the server says SSH_MSG_USERAUTH_SUCCESS.
    /// </summary>
    /// <remarks>
    /// Set the router's Connection service first when the server may speak right after
    /// success (OpenSSH sends hostkeys-00@openssh.com): the router routes connection messages
    /// as soon as SSH_MSG_USERAUTH_SUCCESS has arrived.
    /// </remarks>
    /// <exception cref="SshAuthenticationException">No allowed method is left to try. The connection stays open.</exception>
    /// <exception cref="SshException">The connection closed or the server broke the protocol.</exception>
    public static async Task<ClientAuthResult> AuthenticateAsync(SshServiceRouter router, string user, ClientAuthOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!router.Transport.IsClient)
        {
            throw new InvalidOperationException("Client authentication needs a client transport");
        }

        var session = new ClientAuthSession(router, user, options);
        router.Authentication = session;
        await router.Transport.RequestServiceAsync(SshAuthMethods.UserAuthService, cancellationToken).ConfigureAwait(false);
        return await session.RunAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// One client authentication. Replies arrive on the transport's receive loop and are queued
/// for the caller's task, which drives the conversation; SSH_MSG_USERAUTH_SUCCESS marks the
/// router authenticated on the receive loop itself, so connection messages the server sends
/// right behind it are routed at once.
/// </summary>
internal sealed partial class ClientAuthSession : ISshService
{
    /// <summary>Bound on requests, so a server that keeps answering partial success cannot loop us forever.</summary>
    private const int MaxRequests = 256;

    private readonly SshServiceRouter _router;
    private readonly SshTransport _transport;
    private readonly string _user;
    private readonly ClientAuthOptions _options;
    private readonly Channel<byte[]> _inbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly List<string> _tried = [];
    private readonly List<string> _succeeded = [];
    private readonly HashSet<string> _exhausted = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _allowed = [];
    private string? _note;
    private ISshIdentity? _identity;
    private string? _signatureAlgorithm;

    private enum Step
    {
        Success,
        PartialSuccess,
        Exhausted,
    }

    public ClientAuthSession(SshServiceRouter router, string user, ClientAuthOptions options)
    {
        _router = router;
        _transport = router.Transport;
        _user = user;
        _options = options;
        _transport.Completion.ContinueWith(_ => _inbox.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public ValueTask HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var message = payload.ToArray();
        if (message[0] == UserAuthMessageNumbers.Success)
        {
            _router.MarkAuthenticated();
        }

        _inbox.Writer.TryWrite(message);
        return ValueTask.CompletedTask;
    }

    public async Task<ClientAuthResult> RunAsync(CancellationToken cancellationToken)
    {
        // RFC 4252 section 5.2: "none" either succeeds or lists the methods that can continue.
        using (var request = NewRequest(SshAuthMethods.None))
        {
            await SendAsync(request, SshAuthMethods.None, cancellationToken).ConfigureAwait(false);
        }

        var reply = await ReceiveAsync(cancellationToken).ConfigureAwait(false);
        if (reply[0] == UserAuthMessageNumbers.Success)
        {
            return Succeeded(SshAuthMethods.None);
        }

        ExpectFailure(reply, SshAuthMethods.None);
        while (true)
        {
            var method = NextMethod() ?? throw Denied();
            Log(SshLogLevel.Debug, $"Trying {method}");
            var step = method switch
            {
                SshAuthMethods.PublicKey => await PublicKeyAsync(cancellationToken).ConfigureAwait(false),
                SshAuthMethods.Password => await PasswordAsync(cancellationToken).ConfigureAwait(false),
                _ => await KeyboardInteractiveAsync(cancellationToken).ConfigureAwait(false),
            };
            switch (step)
            {
                case Step.Success:
                    return Succeeded(method);
                case Step.PartialSuccess:
                    // As OpenSSH does after partial success: every method and key may be tried again
                    // (the server decides what it still wants), except keys that already succeeded.
                    _succeeded.Add(method);
                    _exhausted.Clear();
                    ResetIdentities();
                    Log(SshLogLevel.Info, $"Authenticated with \"{method}\", partial success; the server still wants one of: {string.Join(',', _allowed)}");
                    break;
                default:
                    _exhausted.Add(method);
                    break;
            }
        }
    }

    private string? NextMethod()
    {
        foreach (var method in _options.Methods)
        {
            if (_allowed.Contains(method) && !_exhausted.Contains(method) && IsConfigured(method))
            {
                return method;
            }
        }

        return null;
    }

    private bool IsConfigured(string method) => method switch
    {
        SshAuthMethods.PublicKey => _options.Identities.Count > 0,
        SshAuthMethods.Password => _options.PasswordCallback is not null,
        SshAuthMethods.KeyboardInteractive => _options.KeyboardInteractiveCallback is not null,
        _ => false,
    };

    private ClientAuthResult Succeeded(string method)
    {
        _succeeded.Add(method);
        Log(SshLogLevel.Info, $"Authenticated as \"{_user}\" with {string.Join(", ", _succeeded)}");
        return new ClientAuthResult(_user, [.. _succeeded], _identity, _signatureAlgorithm);
    }

    private SshAuthenticationException Denied()
    {
        var error = new SshAuthenticationException(_user, _allowed, [.. _tried], [.. _succeeded], _note);
        Log(SshLogLevel.Info, error.Message);
        return error;
    }

    /// <summary>byte SSH_MSG_USERAUTH_REQUEST, string user, string service, string method (RFC 4252 section 5).</summary>
    private SshWriter NewRequest(string method)
    {
        var writer = new SshWriter();
        writer.WriteByte(UserAuthMessageNumbers.Request);
        writer.WriteString(_user);
        writer.WriteString(SshAuthMethods.ConnectionService);
        writer.WriteString(method);
        return writer;
    }

    private async ValueTask SendAsync(SshWriter request, string description, CancellationToken cancellationToken)
    {
        if (_tried.Count >= MaxRequests)
        {
            _note = $"Gave up after {MaxRequests} authentication requests.";
            throw Denied();
        }

        _tried.Add(description);
        await _transport.SendMessageAsync(request.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The next reply; banners are handed to the banner callback on the way.</summary>
    private async ValueTask<byte[]> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            byte[] message;
            try
            {
                message = await _inbox.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                throw ConnectionClosed();
            }

            if (message[0] != UserAuthMessageNumbers.Banner)
            {
                return message;
            }

            HandleBanner(message);
        }
    }

    private SshException ConnectionClosed()
    {
        var reason = _transport.CloseReason;
        var ssh = reason as SshException;
        var text = reason is null ? "the connection was closed" : reason.Message;
        return reason is null
            ? new SshException(DisconnectReason.ConnectionLost, $"Authentication as \"{_user}\" ended: {text}")
            : new SshException(ssh?.Reason ?? DisconnectReason.ConnectionLost, $"Authentication as \"{_user}\" ended: {text}", reason) { FromPeer = ssh?.FromPeer ?? false };
    }

    /// <summary>SSH_MSG_USERAUTH_BANNER: string message, string language tag (RFC 4252 section 5.4).</summary>
    private void HandleBanner(byte[] message)
    {
        var reader = new SshReader(message.AsSpan(1));
        var bytes = reader.ReadBinary("banner message");
        reader.ReadBinary("banner language tag");

        // Lenient decoding: a badly encoded banner is shown with replacement characters, not fatal.
        var text = BannerText.Sanitize(Encoding.UTF8.GetString(bytes));
        Log(SshLogLevel.Debug, $"Server banner, {text.Length} characters");
        _options.BannerCallback?.Invoke(text);
    }

    /// <summary>
    /// Parses SSH_MSG_USERAUTH_FAILURE (string methods, boolean partial success) into the
    /// allowed list and returns the partial success flag. Any other message is a protocol error.
    /// </summary>
    private bool ExpectFailure(byte[] reply, string method)
    {
        if (reply[0] != UserAuthMessageNumbers.Failure)
        {
            throw Unexpected(reply, method);
        }

        var reader = new SshReader(reply.AsSpan(1));
        _allowed = reader.ReadNameList("authentications that can continue");
        var partial = reader.ReadBoolean("partial success");
        reader.EnsureEnd("SSH_MSG_USERAUTH_FAILURE");
        Log(SshLogLevel.Debug, $"Server: {method} {(partial ? "partially succeeded" : "failed")}; can continue: {string.Join(',', _allowed)}");
        return partial;
    }

    private SshException Unexpected(byte[] reply, string method)
    {
        var error = new SshException(DisconnectReason.ProtocolError, $"Unexpected message {reply[0]} in answer to a \"{method}\" authentication request");
        _ = _transport.DisconnectAsync(error.Reason, error.Message);
        return error;
    }

    private void Log(SshLogLevel level, string message) => _options.Log?.Invoke(level, message);
}
