using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Auth;

/// <summary>A connected client and server with routers, the server running <see cref="SshServerAuthentication"/>.</summary>
public sealed class AuthPair : IAsyncDisposable
{
    private AuthPair(TransportPair transports, SshServiceRouter serverRouter, SshServerAuthentication server, ConcurrentQueue<string> serverLog, ConcurrentQueue<string> requestMethods)
    {
        Transports = transports;
        ClientRouter = new SshServiceRouter(transports.Client);
        ServerRouter = serverRouter;
        Server = server;
        ServerLog = serverLog;
        RequestMethods = requestMethods;
    }

    public TransportPair Transports { get; }

    public SshServiceRouter ClientRouter { get; }

    public SshServiceRouter ServerRouter { get; }

    public SshServerAuthentication Server { get; }

    public ConcurrentQueue<string> ServerLog { get; }

    /// <summary>The method name of every SSH_MSG_USERAUTH_REQUEST the server received, with "+sig" when signed.</summary>
    public ConcurrentQueue<string> RequestMethods { get; }

    public static async Task<AuthPair> StartAsync(IServerAuthenticator authenticator, ServerAuthOptions? options = null, SshServerOptions? serverTransport = null, SshClientOptions? clientTransport = null)
    {
        var serverLog = new ConcurrentQueue<string>();
        options ??= new ServerAuthOptions();
        var inner = options.Log;
        options.Log = (level, message) =>
        {
            serverLog.Enqueue($"{level}: {message}");
            inner?.Invoke(level, message);
        };
        var methods = new ConcurrentQueue<string>();
        SshServerAuthentication? server = null;
        SshServiceRouter? router = null;
        var transports = await TransportPair.StartAsync(clientTransport, serverTransport, t =>
        {
            router = new SshServiceRouter(t);
            server = new SshServerAuthentication(router, authenticator, options);
            router.Authentication = new RecordingService(server, methods);
            router.Connection = new DiscardService();
        });
        return new AuthPair(transports, router!, server!, serverLog, methods);
    }

    public Task<ClientAuthResult> AuthenticateAsync(string user, ClientAuthOptions options, CancellationToken cancellationToken = default) =>
        SshClientAuthentication.AuthenticateAsync(ClientRouter, user, options, cancellationToken);

    public ValueTask DisposeAsync() => Transports.DisposeAsync();

    /// <summary>Notes the method of each request, then passes every message on.</summary>
    private sealed class RecordingService(ISshService inner, ConcurrentQueue<string> methods) : ISshService
    {
        public ValueTask HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            if (payload.Span[0] == 50)
            {
                var reader = new SshReader(payload.Span[1..]);
                reader.ReadBinary();
                reader.ReadBinary();
                var method = reader.ReadAsciiString();
                var signed = method.StartsWith("publickey", StringComparison.Ordinal) && reader.ReadBoolean();
                methods.Enqueue(signed ? method + "+sig" : method);
            }

            return inner.HandleMessageAsync(payload, cancellationToken);
        }
    }
}

/// <summary>A connection service that drops everything (there is no connection layer in these tests).</summary>
public sealed class DiscardService : ISshService
{
    public ValueTask HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>An authenticator whose every answer a test sets; it records what it was asked.</summary>
public sealed class TestAuthenticator : IServerAuthenticator
{
    public Func<ServerAuthContext, IReadOnlyList<string>> Methods { get; set; } =
        _ => [SshAuthMethods.PublicKey, SshAuthMethods.KeyboardInteractive, SshAuthMethods.Password];

    public Func<ServerAuthContext, PublicKeyRequest, PublicKeyDecision> PublicKey { get; set; } = (_, _) => PublicKeyDecision.Refuse;

    public Func<ServerAuthContext, string, AuthOutcome> Password { get; set; } = (_, _) => AuthOutcome.Failure;

    public Func<ServerAuthContext, IKeyboardInteractiveConversation?> KeyboardInteractive { get; set; } = _ => null;

    public ConcurrentQueue<string> Calls { get; } = new();

    public ValueTask<IReadOnlyList<string>> GetMethodsAsync(ServerAuthContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Methods(context));

    public ValueTask<PublicKeyDecision> CheckPublicKeyAsync(ServerAuthContext context, PublicKeyRequest request, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"publickey {context.User} {request.Algorithm} {(request.HasSignature ? "signed" : "query")}");
        return ValueTask.FromResult(PublicKey(context, request));
    }

    public ValueTask<AuthOutcome> CheckPasswordAsync(ServerAuthContext context, ReadOnlyMemory<byte> password, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"password {context.User}");
        return ValueTask.FromResult(Password(context, Encoding.UTF8.GetString(password.Span)));
    }

    public ValueTask<IKeyboardInteractiveConversation?> BeginKeyboardInteractiveAsync(ServerAuthContext context, string submethods, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"keyboard-interactive {context.User}");
        return ValueTask.FromResult(KeyboardInteractive(context));
    }

    /// <summary>Accepts exactly these keys, for any user.</summary>
    public static Func<ServerAuthContext, PublicKeyRequest, PublicKeyDecision> Keys(AuthOutcome outcome, params SshPublicKey[] keys) =>
        (_, request) => request.PublicKey is { } key && keys.Contains(key) ? new PublicKeyDecision(outcome) : PublicKeyDecision.Refuse;
}

/// <summary>
/// A keyboard-interactive conversation from a list of rounds; each round's expected answers
/// must match for the conversation to go on. Ends with the given outcome.
/// </summary>
public sealed class ScriptedConversation(AuthOutcome outcome, params (KeyboardInteractiveStep Round, string[] Expected)[] rounds) : IKeyboardInteractiveConversation
{
    private int _next = -1;

    public List<string[]> Received { get; } = [];

    public bool Disposed { get; private set; }

    public ValueTask<KeyboardInteractiveStep> NextAsync(IReadOnlyList<ReadOnlyMemory<byte>> responses, CancellationToken cancellationToken)
    {
        if (_next >= 0)
        {
            var answers = responses.Select(r => Encoding.UTF8.GetString(r.Span)).ToArray();
            Received.Add(answers);
            if (!answers.SequenceEqual(rounds[_next].Expected))
            {
                return ValueTask.FromResult(KeyboardInteractiveStep.Finish(AuthOutcome.Failure));
            }
        }

        _next++;
        return ValueTask.FromResult(_next < rounds.Length ? rounds[_next].Round : KeyboardInteractiveStep.Finish(outcome));
    }

    public void Dispose() => Disposed = true;
}

/// <summary>A private key identity that counts its signatures.</summary>
public sealed class CountingIdentity(SshPrivateKey key) : ISshIdentity
{
    private readonly PrivateKeyIdentity _inner = new(key);

    public int Signatures { get; private set; }

    public List<string> Algorithms { get; } = [];

    public string KeyType => _inner.KeyType;

    public ReadOnlyMemory<byte> PublicKeyBlob => _inner.PublicKeyBlob;

    public SshPublicKey PublicKey => _inner.PublicKey;

    public string Comment => "counting";

    public ValueTask<byte[]> SignAsync(string signatureAlgorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        Signatures++;
        Algorithms.Add(signatureAlgorithm);
        return _inner.SignAsync(signatureAlgorithm, data, cancellationToken);
    }
}

/// <summary>
/// A client that writes authentication requests by hand after ssh-userauth was accepted,
/// for requests ssh-mux's own client never makes.
/// </summary>
public sealed class RawAuthClient : ISshService
{
    private readonly Channel<byte[]> _replies = Channel.CreateUnbounded<byte[]>();

    private RawAuthClient(SshTransport transport) => Transport = transport;

    public SshTransport Transport { get; }

    public static async Task<RawAuthClient> StartAsync(SshServiceRouter router)
    {
        var client = new RawAuthClient(router.Transport);
        router.Authentication = client;
        router.Connection = new DiscardService();
        await router.Transport.RequestServiceAsync("ssh-userauth");
        return client;
    }

    public ValueTask HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        _replies.Writer.TryWrite(payload.ToArray());
        return ValueTask.CompletedTask;
    }

    public ValueTask SendAsync(byte[] payload) => Transport.SendMessageAsync(payload);

    public async Task<byte[]> ReceiveAsync(int timeoutMs = 10000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        return await _replies.Reader.ReadAsync(cts.Token);
    }

    public async Task<byte[]> RoundTripAsync(byte[] payload)
    {
        await SendAsync(payload);
        return await ReceiveAsync();
    }

    public static byte[] Request(string user, string method, Action<SshWriter>? fields = null, string service = "ssh-connection")
    {
        using var w = new SshWriter();
        w.WriteByte(50);
        w.WriteString(user);
        w.WriteString(service);
        w.WriteString(method);
        fields?.Invoke(w);
        return w.ToArray();
    }

    /// <summary>A publickey request signed as RFC 4252 section 7 says, with each part overridable to make it wrong.</summary>
    public byte[] SignedPublicKey(string user, SshPrivateKey key, string algorithm, string? signWith = null, string method = "publickey",
        byte[]? hostKey = null, byte[]? sessionId = null, string? signedUser = null, string? signedMethod = null)
    {
        var blob = key.PublicKey.Blob.ToArray();
        hostKey ??= Transport.HostKey!.Blob.ToArray();
        using var data = new SshWriter();
        data.WriteBinary(sessionId ?? Transport.SessionId.ToArray());
        WritePublicKeyFields(data, signedUser ?? user, signedMethod ?? method, true, algorithm, blob, hostKey);
        var signature = key.Sign(signWith ?? algorithm, data.WrittenSpan);
        using var request = new SshWriter();
        WritePublicKeyFields(request, user, method, true, algorithm, blob, hostKey);
        request.WriteBinary(signature);
        return request.ToArray();
    }

    public static byte[] PublicKeyQuery(string user, string algorithm, ReadOnlySpan<byte> blob)
    {
        using var w = new SshWriter();
        WritePublicKeyFields(w, user, "publickey", false, algorithm, blob, default);
        return w.ToArray();
    }

    private static void WritePublicKeyFields(SshWriter w, string user, string method, bool signed, string algorithm, ReadOnlySpan<byte> blob, ReadOnlySpan<byte> hostKey)
    {
        w.WriteByte(50);
        w.WriteString(user);
        w.WriteString("ssh-connection");
        w.WriteString(method);
        w.WriteBoolean(signed);
        w.WriteString(algorithm);
        w.WriteBinary(blob);
        if (method == "publickey-hostbound-v00@openssh.com")
        {
            w.WriteBinary(hostKey);
        }
    }

    /// <summary>Parses SSH_MSG_USERAUTH_FAILURE into (methods, partial).</summary>
    public static (string Methods, bool Partial) Failure(byte[] reply)
    {
        Assert.Equal(51, reply[0]);
        var r = new SshReader(reply.AsSpan(1));
        var methods = r.ReadAsciiString();
        var partial = r.ReadBoolean();
        r.EnsureEnd("failure");
        return (methods, partial);
    }
}
