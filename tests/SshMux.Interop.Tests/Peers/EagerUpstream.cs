using System.Net;
using System.Net.Sockets;
using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>
/// A stand-in for sshd as serve's upstream, built from ssh-mux's server pieces, that does
/// what sshd does after authentication without sshd's timing: its hostkeys-00@openssh.com
/// global request (OpenSSH PROTOCOL 2.5, sent by sshd's notify_hostkeys without want-reply
/// right after USERAUTH_SUCCESS) goes in the same TCP write as USERAUTH_SUCCESS, so the
/// client reads both at once. Sessions answer exec and end with exit status 0 at the client's
/// EOF, which it sends once the exec reply has reached it.
/// </summary>
public sealed class EagerUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly List<SshTransport> _transports = [];
    private readonly InteropRun _run;
    private readonly SshPrivateKey _hostKey = OurHostKeys.Get("ssh-ed25519");
    private readonly PublicKeyListAuthenticator _authenticator;
    private readonly Task _acceptLoop;

    public EagerUpstream(InteropRun run, SshPublicKey allowedKey)
    {
        _run = run;
        _authenticator = new PublicKeyListAuthenticator([allowedKey]);
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public byte[] HostKeyBlob => _hostKey.PublicKey.Blob.ToArray();

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            socket.NoDelay = true;
            lock (_connections)
            {
                _connections.Add(Task.Run(() => ServeAsync(socket)));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var writes = new CoalescingStream(new NetworkStream(socket, ownsSocket: true));

        // Reads after the client's NEWKEYS wait until the authentication layer is attached, so
        // this stand-in has no attach race of its own.
        var attached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        SshTransport transport;
        try
        {
            transport = await SshTransport.AcceptAsync(new AfterNewKeysStream(writes, attached.Task), new SshServerOptions { HostKeys = [_hostKey], Log = _run.TransportLog("upstream") }, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshMux.Ssh.SshException or IOException or OperationCanceledException)
        {
            _run.Note("upstream handshake failed: " + e.Message);
            await writes.DisposeAsync().ConfigureAwait(false);
            return;
        }

        lock (_transports)
        {
            _transports.Add(transport);
        }

        var router = new SshServiceRouter(transport);
        var auth = new SshServerAuthentication(router, new HoldWritesOnSuccess(_authenticator, writes), new ServerAuthOptions { Log = _run.TransportLog("upstream auth") });
        _ = new SshConnectionService(router) { ChannelOpenHandler = OpenAsync };
        attached.SetResult();
        try
        {
            await auth.Completion.ConfigureAwait(false);
            using var hostKeys = new SshWriter();
            hostKeys.WriteBinary(_hostKey.PublicKey.Blob.Span);
            var request = new GlobalRequestMessage("hostkeys-00@openssh.com", false, hostKeys.ToArray());
            await transport.SendMessageAsync(request.ToPayload(), _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshMux.Ssh.SshException or OperationCanceledException)
        {
            _run.Note("upstream authentication ended: " + e.Message);
        }
        finally
        {
            await writes.ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static Task<ChannelOpenDecision> OpenAsync(IncomingChannelOpen open, CancellationToken cancellationToken) =>
        Task.FromResult(open.ChannelType == "session"
            ? ChannelOpenDecision.Accept(RunSessionAsync)
            : ChannelOpenDecision.Reject(ChannelOpenFailureReason.UnknownChannelType, "sessions only"));

    /// <summary>Answers exec and refuses other requests; ends the session with exit status 0 at the client's EOF.</summary>
    private static async Task RunSessionAsync(SshChannel channel)
    {
        while (true)
        {
            var e = await channel.ReadEventAsync().ConfigureAwait(false);
            switch (e.Kind)
            {
                case ChannelEventKind.Request:
                    if (e.WantReply)
                    {
                        await channel.ReplyAsync(e.RequestType == SessionRequests.Exec).ConfigureAwait(false);
                    }

                    break;
                case ChannelEventKind.Eof:
                    await EndAsync(channel).ConfigureAwait(false);
                    break;
                case ChannelEventKind.Data:
                case ChannelEventKind.ExtendedData:
                    channel.Release(e);
                    break;
                case ChannelEventKind.Closed:
                    return;
            }
        }
    }

    private static async Task EndAsync(SshChannel channel)
    {
        await channel.SendRequestAsync(SessionRequests.ExitStatus, false, SessionRequests.EncodeExitStatus(0)).ConfigureAwait(false);
        await channel.SendEofAsync().ConfigureAwait(false);
        await channel.CloseAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(false);
        SshTransport[] transports;
        lock (_transports)
        {
            transports = [.. _transports];
        }

        foreach (var transport in transports)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }

        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAny(Task.WhenAll(connections), Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Starts holding the connection's writes when a signed publickey request is about to succeed, so USERAUTH_SUCCESS waits for the global request.</summary>
    private sealed class HoldWritesOnSuccess(IServerAuthenticator inner, CoalescingStream writes) : IServerAuthenticator
    {
        public ValueTask<IReadOnlyList<string>> GetMethodsAsync(ServerAuthContext context, CancellationToken cancellationToken) =>
            inner.GetMethodsAsync(context, cancellationToken);

        public async ValueTask<PublicKeyDecision> CheckPublicKeyAsync(ServerAuthContext context, PublicKeyRequest request, CancellationToken cancellationToken)
        {
            var decision = await inner.CheckPublicKeyAsync(context, request, cancellationToken).ConfigureAwait(false);
            if (request.HasSignature && decision.Outcome == AuthOutcome.Success)
            {
                writes.Hold();
            }

            return decision;
        }

        public ValueTask<AuthOutcome> CheckPasswordAsync(ServerAuthContext context, ReadOnlyMemory<byte> password, CancellationToken cancellationToken) =>
            inner.CheckPasswordAsync(context, password, cancellationToken);

        public ValueTask<IKeyboardInteractiveConversation?> BeginKeyboardInteractiveAsync(ServerAuthContext context, string submethods, CancellationToken cancellationToken) =>
            inner.BeginKeyboardInteractiveAsync(context, submethods, cancellationToken);
    }
}
