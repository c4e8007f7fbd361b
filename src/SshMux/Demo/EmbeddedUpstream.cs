using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SshMux.Ssh;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;

namespace SshMux.Demo;

/// <summary>
/// The demo's upstream host: ssh-mux's own SSH server role on a random 127.0.0.1 port, giving
/// exec and a shell (without a terminal: the demo has no pty layer) as the current user to
/// one public key, with its own host key (which it owns). It counts the connections it accepted, so the demo can show that the
/// second session reused the first one's upstream connection.
/// </summary>
internal sealed class EmbeddedUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly SshPrivateKey _hostKey;
    private readonly SshPublicKey _userKey;
    private readonly SshLog _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<SshTransport> _transports = [];
    private Task _acceptLoop = Task.CompletedTask;
    private int _connections;

    public EmbeddedUpstream(SshPrivateKey hostKey, SshPublicKey userKey, SshLog log)
    {
        _hostKey = hostKey;
        _userKey = userKey;
        _log = log;
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public SshPublicKey HostKey => _hostKey.PublicKey;

    /// <summary>SSH connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public void Start()
    {
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            client.NoDelay = true;
            Interlocked.Increment(ref _connections);
            SshTransport.RunDetached(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        var options = new SshServerOptions { HostKeys = [_hostKey], Log = _log };
        try
        {
            var transport = await SshTransport.AcceptAsync(client.GetStream(), options, t =>
            {
                var router = new SshServiceRouter(t);
                _ = new SshServerAuthentication(router, new PublicKeyListAuthenticator([_userKey]), new ServerAuthOptions { Log = _log });
                _ = new SshConnectionService(router)
                {
                    ChannelOpenHandler = (open, _) => Task.FromResult(open.ChannelType == "session"
                        ? ChannelOpenDecision.Accept(RunSessionAsync)
                        : ChannelOpenDecision.Reject(ChannelOpenFailureReason.AdministrativelyProhibited, "the demo upstream offers sessions only")),
                };
            }, _stop.Token).ConfigureAwait(false);
            lock (_transports)
            {
                _transports.Add(transport);
            }

            await transport.Completion.ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or OperationCanceledException)
        {
            _log(SshLogLevel.Debug, "Demo upstream connection ended: " + e.Message);
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>Waits for exec or shell, runs it, and relays stdin, stdout, stderr and the exit status.</summary>
    private async Task RunSessionAsync(SshChannel channel)
    {
        try
        {
            while (true)
            {
                var e = await channel.ReadEventAsync(_stop.Token).ConfigureAwait(false);
                switch (e.Kind)
                {
                    case ChannelEventKind.Request when e.RequestType == SessionRequests.Exec:
                        await RunProcessAsync(channel, SessionRequests.DecodeString(e.RequestData, "command"), e.WantReply).ConfigureAwait(false);
                        return;
                    case ChannelEventKind.Request when e.RequestType == SessionRequests.Shell:
                        await RunProcessAsync(channel, null, e.WantReply).ConfigureAwait(false);
                        return;
                    case ChannelEventKind.Request when e.WantReply:
                        // No pty layer, no subsystems: ssh goes on without a terminal.
                        await channel.ReplyAsync(e.RequestType == SessionRequests.Env, _stop.Token).ConfigureAwait(false);
                        break;
                    case ChannelEventKind.Data or ChannelEventKind.ExtendedData:
                        channel.Release(e);
                        break;
                    case ChannelEventKind.Closed:
                        return;
                }
            }
        }
        catch (Exception e) when (e is SshException or OperationCanceledException or IOException)
        {
            _log(SshLogLevel.Debug, "Demo session ended: " + e.Message);
        }
    }

    private async Task RunProcessAsync(SshChannel channel, string? command, bool wantReply)
    {
        var start = ShellCommand(command);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            if (wantReply)
            {
                await channel.ReplyAsync(false, _stop.Token).ConfigureAwait(false);
            }

            await channel.SendDataAsync(System.Text.Encoding.UTF8.GetBytes($"cannot start {start.FileName}: {e.Message}\n"), 1, _stop.Token).ConfigureAwait(false);
            await channel.CloseAsync(_stop.Token).ConfigureAwait(false);
            return;
        }

        if (wantReply)
        {
            await channel.ReplyAsync(true, _stop.Token).ConfigureAwait(false);
        }

        var stdin = PumpStdinAsync(channel, process.StandardInput.BaseStream);
        var stdout = PumpOutputAsync(process.StandardOutput.BaseStream, channel, null);
        var stderr = PumpOutputAsync(process.StandardError.BaseStream, channel, 1);
        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        await process.WaitForExitAsync(_stop.Token).ConfigureAwait(false);
        await channel.SendRequestAsync(SessionRequests.ExitStatus, false, SessionRequests.EncodeExitStatus(unchecked((uint)process.ExitCode)), _stop.Token).ConfigureAwait(false);
        await channel.SendEofAsync(_stop.Token).ConfigureAwait(false);
        await channel.CloseAsync(_stop.Token).ConfigureAwait(false);
        await stdin.ConfigureAwait(false);
    }

    /// <summary>The platform shell running the command, or an interactive shell for a shell request.</summary>
    private static ProcessStartInfo ShellCommand(string? command)
    {
        if (OperatingSystem.IsWindows())
        {
            var cmd = Path.Combine(Environment.SystemDirectory, "cmd.exe");
            return command is null ? new ProcessStartInfo(cmd) : new ProcessStartInfo(cmd, ["/d", "/c", command]);
        }

        var shell = Environment.GetEnvironmentVariable("SHELL") is { Length: > 0 } s && Path.IsPathRooted(s) && File.Exists(s) ? s : "/bin/sh";
        return command is null ? new ProcessStartInfo(shell, ["-i"]) : new ProcessStartInfo(shell, ["-c", command]);
    }

    private static async Task PumpStdinAsync(SshChannel channel, Stream stdin)
    {
        try
        {
            while (true)
            {
                var e = await channel.ReadEventAsync().ConfigureAwait(false);
                if (e.Kind is ChannelEventKind.Data or ChannelEventKind.ExtendedData)
                {
                    try
                    {
                        await stdin.WriteAsync(e.Data).ConfigureAwait(false);
                        await stdin.FlushAsync().ConfigureAwait(false);
                    }
                    finally
                    {
                        channel.Release(e);
                    }
                }
                else if (e.Kind is ChannelEventKind.Eof or ChannelEventKind.Closed)
                {
                    break;
                }
                else if (e.Kind == ChannelEventKind.Request && e.WantReply)
                {
                    await channel.ReplyAsync(false).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is SshException or IOException)
        {
            // The process exited and closed its stdin, or the channel went away: nothing more to pass on.
        }
        finally
        {
            await stdin.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task PumpOutputAsync(Stream output, SshChannel channel, uint? dataTypeCode)
    {
        var buffer = new byte[32 * 1024];
        int read;
        while ((read = await output.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            await channel.SendDataAsync(buffer.AsMemory(0, read), dataTypeCode).ConfigureAwait(false);
        }
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

        _listener.Dispose();
        _hostKey.Dispose();
        _stop.Dispose();
    }
}
