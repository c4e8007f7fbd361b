using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Transport;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>What an exec sent back: stdout, stderr (extended data type 1), and the exit status or signal.</summary>
public sealed record ExecResult(byte[] Stdout, byte[] Stderr, uint? ExitStatus, string? ExitSignal)
{
    public string StdoutText => System.Text.Encoding.UTF8.GetString(Stdout);

    public string StderrText => System.Text.Encoding.UTF8.GetString(Stderr);

    public override string ToString() =>
        $"exit-status {ExitStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, exit-signal {ExitSignal ?? "none"}\n--- stdout ---\n{StdoutText}\n--- stderr ---\n{StderrText}";
}

/// <summary>
/// ssh-mux's own client (SshTransport, SshClientAuthentication, SshConnectionService) signed in
/// to a peer server on loopback: the pieces a user of the library puts together. The
/// connection service is attached before authenticating, so whatever the server sends right
/// behind USERAUTH_SUCCESS has somewhere to go.
/// </summary>
public sealed class OurSession : IAsyncDisposable
{
    private OurSession(OurClient client, SshConnectionService connection, ClientAuthResult auth)
    {
        Client = client;
        Connection = connection;
        Auth = auth;
    }

    public OurClient Client { get; }

    public SshTransport Transport => Client.Transport;

    public SshConnectionService Connection { get; }

    /// <summary>How authentication ended (methods that succeeded, the key that signed).</summary>
    public ClientAuthResult Auth { get; }

    public static async Task<OurSession> ConnectAsync(InteropRun run, int port, string user, ClientAuthOptions auth, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(auth);
        var client = await OurClient.ConnectAsync(port, run, null, cancellationToken).ConfigureAwait(false);
        try
        {
            var router = new SshServiceRouter(client.Transport);
            var connection = new SshConnectionService(router);
            auth.Log ??= run.TransportLog("auth");
            var result = await SshClientAuthentication.AuthenticateAsync(router, user, auth, cancellationToken).ConfigureAwait(false);
            return new OurSession(client, connection, result);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Signs in with one key, offered through a <see cref="PrivateKeyIdentity"/>.</summary>
    public static async Task<OurSession> ConnectWithKeyAsync(InteropRun run, int port, string user, PeerClientKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var identity = new PrivateKeyIdentity(key.LoadForOurClient(), key.PrivateKeyPath, ownsKey: true);
        return await ConnectAsync(run, port, user, new ClientAuthOptions { Identities = [identity], Methods = [SshAuthMethods.PublicKey] }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a session, optionally asks for a pty (80x24, no modes), runs the command, sends
    /// EOF and collects everything until the server closes the channel.
    /// </summary>
    public async Task<ExecResult> ExecAsync(string command, bool pty, CancellationToken cancellationToken)
    {
        var channel = await Connection.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        if (pty)
        {
            // Terminal modes: just TTY_OP_END (RFC 4254 section 8).
            var granted = await channel.SendRequestAsync(SessionRequests.PtyReq, true, SessionRequests.EncodePtyRequest("xterm", 80, 24, 0, 0, [0]), cancellationToken).ConfigureAwait(false);
            Assert.True(granted, "The server refused the pty-req");
        }

        Assert.True(await channel.SendRequestAsync(SessionRequests.Exec, true, SessionRequests.EncodeExec(command), cancellationToken).ConfigureAwait(false), "The server refused the exec request");
        await channel.SendEofAsync(cancellationToken).ConfigureAwait(false);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        uint? status = null;
        string? signal = null;
        while (true)
        {
            var e = await channel.ReadEventAsync(cancellationToken).ConfigureAwait(false);
            switch (e.Kind)
            {
                case ChannelEventKind.Data:
                    stdout.Write(e.Data.Span);
                    channel.Release(e);
                    break;
                case ChannelEventKind.ExtendedData:
                    Assert.Equal(1u, e.DataTypeCode);
                    stderr.Write(e.Data.Span);
                    channel.Release(e);
                    break;
                case ChannelEventKind.Request when e.RequestType == SessionRequests.ExitStatus:
                    status = SessionRequests.DecodeExitStatus(e.RequestData);
                    break;
                case ChannelEventKind.Request when e.RequestType == SessionRequests.ExitSignal:
                    signal = new SshMux.Ssh.Wire.SshReader(e.RequestData).ReadString("signal name");
                    break;
                case ChannelEventKind.Request when e.WantReply:
                    await channel.ReplyAsync(false, cancellationToken).ConfigureAwait(false);
                    break;
                case ChannelEventKind.Closed:
                    Assert.Null(e.Error);
                    return new ExecResult(stdout.ToArray(), stderr.ToArray(), status, signal);
            }
        }
    }

    /// <summary>
    /// Opens a direct-tcpip channel to 127.0.0.1:<paramref name="port"/> (RFC 4254 section
    /// 7.2), sends the data and EOF, and returns what came back before the server closed the
    /// channel. Reading and writing run together, so an echo larger than the windows flows.
    /// </summary>
    public async Task<byte[]> DirectTcpipAsync(int port, byte[] data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        var channel = await Connection.OpenChannelAsync("direct-tcpip", SessionRequests.EncodeTcpip("127.0.0.1", (uint)port, "127.0.0.1", 40000), cancellationToken).ConfigureAwait(false);
        var writer = Task.Run(async () =>
        {
            for (var offset = 0; offset < data.Length; offset += 64 * 1024)
            {
                await channel.SendDataAsync(data.AsMemory(offset, Math.Min(64 * 1024, data.Length - offset)), null, cancellationToken).ConfigureAwait(false);
            }

            await channel.SendEofAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
        var received = new MemoryStream();
        while (true)
        {
            var e = await channel.ReadEventAsync(cancellationToken).ConfigureAwait(false);
            if (e.Kind == ChannelEventKind.Data)
            {
                received.Write(e.Data.Span);
                channel.Release(e);
            }
            else if (e.Kind == ChannelEventKind.Closed)
            {
                Assert.Null(e.Error);
                break;
            }
        }

        await writer.ConfigureAwait(false);
        return received.ToArray();
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
