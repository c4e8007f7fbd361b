using System.Collections.Concurrent;
using System.Threading.Channels;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// <see cref="OurServer"/> with ssh-mux's authentication layer on every connection. What the
/// client sends after its NEWKEYS is held back until the layer is attached, so its first
/// SSH_MSG_USERAUTH_REQUEST always meets it. Meant for one client at a time: held-back
/// connections are released in the order their handshakes finish.
/// </summary>
public sealed class OurAuthServer : IAsyncDisposable
{
    private readonly OurServer _server;
    private readonly ConcurrentQueue<TaskCompletionSource> _gates;
    private readonly Channel<SshServerAuthentication> _sessions = Channel.CreateUnbounded<SshServerAuthentication>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _attachLoop;

    private OurAuthServer(OurServer server, ConcurrentQueue<TaskCompletionSource> gates, Func<SshServiceRouter, SshServerAuthentication> attach)
    {
        _server = server;
        _gates = gates;
        _attachLoop = Task.Run(() => AttachLoopAsync(attach));
    }

    public int Port => _server.Port;

    public static OurAuthServer Start(InteropRun run, IServerAuthenticator authenticator, Action<ServerAuthOptions>? configureAuth = null, Action<SshServerOptions>? configureTransport = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var gates = new ConcurrentQueue<TaskCompletionSource>();
        var server = OurServer.Start(run, configureTransport, stream =>
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            gates.Enqueue(gate);
            return new AfterNewKeysStream(stream, gate.Task);
        });
        return new OurAuthServer(server, gates, router =>
        {
            var options = new ServerAuthOptions { Log = run.TransportLog("server auth") };
            configureAuth?.Invoke(options);
            router.Connection = new RefusingConnectionService(router.Transport);
            return new SshServerAuthentication(router, authenticator, options);
        });
    }

    /// <summary>The authentication layer of the next connection.</summary>
    public async Task<SshServerAuthentication> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _sessions.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No connection reached authentication within {timeout.TotalSeconds:0} s");
        }
    }

    private async Task AttachLoopAsync(Func<SshServiceRouter, SshServerAuthentication> attach)
    {
        while (!_stop.IsCancellationRequested)
        {
            ServerConnection connection;
            try
            {
                connection = await _server.NextConnectionAsync(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                continue;
            }

            if (connection.Transport is { } transport)
            {
                _sessions.Writer.TryWrite(attach(new SshServiceRouter(transport)));
            }

            if (_gates.TryDequeue(out var gate))
            {
                gate.TrySetResult();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _attachLoop.ConfigureAwait(false);
        while (_gates.TryDequeue(out var gate))
        {
            gate.TrySetResult();
        }

        await _server.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}

/// <summary>
/// Stands in for the connection layer after authentication: refuses every channel
/// (SSH_MSG_CHANNEL_OPEN_FAILURE, administratively prohibited) and every global request that
/// wants a reply (RFC 4254 sections 4 and 5.1), so a real client ends at once instead of waiting.
/// </summary>
public sealed class RefusingConnectionService(SshTransport transport) : ISshService
{
    public async ValueTask HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        byte[]? reply = null;
        switch (payload.Span[0])
        {
            case 80:
                reply = GlobalRequestFailure(payload);
                break;
            case 90:
                reply = OpenFailure(payload);
                break;
        }

        if (reply is not null)
        {
            await transport.SendMessageAsync(reply, cancellationToken).ConfigureAwait(false);
        }
    }

    private static byte[]? GlobalRequestFailure(ReadOnlyMemory<byte> payload)
    {
        var reader = new SshReader(payload.Span[1..]);
        reader.ReadBinary("request name");
        return reader.ReadBoolean("want reply") ? [82] : null;
    }

    private static byte[] OpenFailure(ReadOnlyMemory<byte> payload)
    {
        var reader = new SshReader(payload.Span[1..]);
        reader.ReadBinary("channel type");
        var sender = reader.ReadUInt32("sender channel");
        using var w = new SshWriter();
        w.WriteByte(92);
        w.WriteUInt32(sender);
        w.WriteUInt32(1); // SSH_OPEN_ADMINISTRATIVELY_PROHIBITED
        w.WriteString("ssh-mux interop test server: no connection layer");
        w.WriteString(string.Empty);
        return w.ToArray();
    }
}
