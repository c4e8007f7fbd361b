using System.Net;
using System.Net.Sockets;
using SshMux.Paths;
using SshMux.Ssh;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Transport;

namespace SshMux.Relay;

/// <summary>
/// The local SSH server on 127.0.0.1: publickey authentication only, and every channel a
/// client opens is relayed over the shared upstream connection. Agent forwarding, X11 and
/// remote forwarding are refused.
/// </summary>
internal sealed class LocalServer : IAsyncDisposable
{
    /// <summary>
    /// The local server's defaults: no NIST-curve key exchange, no encrypt-and-MAC MACs and
    /// nothing with SHA-1. Upstream connections keep the broad OpenSSH-compatible set.
    /// </summary>
    public static readonly IReadOnlyList<string> HardenedKeyExchanges =
        ["curve25519-sha256", "curve25519-sha256@libssh.org", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256"];

    public static readonly IReadOnlyList<string> HardenedMacs = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"];

    private readonly TcpListener _listener;
    private readonly SshPrivateKey _hostKey;
    private readonly PublicKeyListAuthenticator _authenticator;
    private readonly Upstream _upstream;
    private readonly SshLog _log;
    private readonly CancellationTokenSource _stopping = new();
    private int _sessions;

    public LocalServer(int port, SshPrivateKey hostKey, PublicKeyListAuthenticator authenticator, Upstream upstream, SshLog log)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _hostKey = hostKey;
        _authenticator = authenticator;
        _upstream = upstream;
        _log = log;
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Start() => _listener.Start();

    /// <summary>Loads the host key, or generates and saves one (mode 0600) on first start.</summary>
    public static SshPrivateKey LoadOrCreateHostKey(SshDirectory directory, SshLog log)
    {
        var path = directory.HostKey;
        if (File.Exists(path))
        {
            // The file object owns the key, which lives as long as the server.
            return PrivateKeyFile.Load(path).Key;
        }

        Directory.CreateDirectory(directory.Path);
        var key = SshPrivateKey.Generate("ssh-ed25519");
        KeyFileWriter.WriteKeyPair(path, key, "ssh-mux local server");
        log(SshLogLevel.Info, $"Generated the local server's host key {path} ({key.PublicKey.GetSha256Fingerprint()})");
        return key;
    }

    /// <summary>
    /// Keys allowed to connect: ~/.ssh/ssh-mux-authorized-keys, or when it does not exist every
    /// ~/.ssh/*.pub (with a warning, since any key of the user's then opens every route).
    /// </summary>
    public static PublicKeyListAuthenticator LoadAuthorizedKeys(SshDirectory directory, SshLog log)
    {
        var authenticator = new PublicKeyListAuthenticator();
        if (File.Exists(directory.AuthorizedKeys))
        {
            var file = AuthorizedKeysFile.Load(directory.AuthorizedKeys);
            foreach (var warning in file.Warnings)
            {
                log(SshLogLevel.Warning, warning.ToString());
            }

            foreach (var entry in file.Entries.Where(e => e.Key is not null && e.Certificate is null))
            {
                authenticator.Add(entry.Key!);
            }

            log(SshLogLevel.Info, $"Allowing the {file.Entries.Count} key(s) in {directory.AuthorizedKeys}");
            return authenticator;
        }

        var count = 0;
        foreach (var pub in Directory.Exists(directory.Path) ? Directory.EnumerateFiles(directory.Path, "*.pub") : [])
        {
            if (Path.GetFileName(pub).StartsWith("ssh-mux_host", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                authenticator.Add(SshPublicKeyLine.Parse(File.ReadAllText(pub).Trim()).Key);
                count++;
            }
            catch (Exception e) when (e is SshException or FormatException or IOException)
            {
                log(SshLogLevel.Warning, $"Ignoring {pub}: {e.Message}");
            }
        }

        log(SshLogLevel.Warning, $"WARNING: {directory.AuthorizedKeys} does not exist, so the {count} public key(s) in {directory.Path}/*.pub may use ssh-mux. " +
            $"Create {directory.AuthorizedKeys} to choose which keys may.");
        return authenticator;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        while (!linked.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            client.NoDelay = true;
            SshTransport.RunDetached(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        var remote = client.Client.RemoteEndPoint?.ToString() ?? "?";
        SshTransport transport;
        try
        {
            var options = new SshServerOptions
            {
                HostKeys = [_hostKey],
                KeyExchangeAlgorithms = HardenedKeyExchanges,
                HostKeyAlgorithms = ["ssh-ed25519"],
                Macs = HardenedMacs,
                Log = _log,
            };
            transport = await SshTransport.AcceptAsync(new QuickAckStream(client.Client), options, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or OperationCanceledException)
        {
            _log(SshLogLevel.Info, $"Local connection from {remote} failed before authentication: {e.Message}");
            client.Dispose();
            return;
        }

        var router = new SshServiceRouter(transport);
        var auth = new SshServerAuthentication(router, _authenticator, new ServerAuthOptions { Log = _log });
        var connection = new SshConnectionService(router) { ChannelOpenHandler = OpenAsync };
        connection.GlobalRequestHandler = (request, _) =>
        {
            // Remote forwarding (tcpip-forward, streamlocal-forward) is refused, as in the seed.
            _log(SshLogLevel.Info, $"Refused global request {request.RequestName} from {remote}");
            return ValueTask.FromResult((false, Array.Empty<byte>()));
        };
        try
        {
            var result = await auth.Completion.ConfigureAwait(false);
            _log(SshLogLevel.Info, $"Local client {remote} authenticated as {result.User} with {result.PublicKeys.FirstOrDefault()?.GetSha256Fingerprint()}");
        }
        catch (Exception e) when (e is SshException or OperationCanceledException)
        {
            _log(SshLogLevel.Info, $"Local client {remote} did not authenticate: {e.Message}");
        }

        await transport.Completion.ConfigureAwait(false);
        client.Dispose();
    }

    private async Task<ChannelOpenDecision> OpenAsync(IncomingChannelOpen open, CancellationToken cancellationToken)
    {
        if (open.ChannelType is not ("session" or "direct-tcpip" or "direct-streamlocal@openssh.com"))
        {
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.AdministrativelyProhibited, $"{open.ChannelType} channels are not relayed by ssh-mux");
        }

        SshConnectionService upstream;
        try
        {
            upstream = await _upstream.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException)
        {
            _log(SshLogLevel.Error, "Upstream connection failed: " + e.Message);
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.ConnectFailed, "ssh-mux could not reach the upstream host: " + e.Message);
        }

        SshChannel upstreamChannel;
        try
        {
            upstreamChannel = await upstream.OpenChannelAsync(open.ChannelType, open.Data, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelOpenException e)
        {
            return ChannelOpenDecision.Reject(e.FailureReason, e.Description);
        }
        catch (SshException e)
        {
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.ConnectFailed, "upstream: " + e.Message);
        }

        Interlocked.Increment(ref _sessions);
        return ChannelOpenDecision.Accept(async local =>
        {
            try
            {
                await ChannelRelay.RunAsync(local, upstreamChannel).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _sessions);
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        _listener.Dispose();
        _stopping.Dispose();
    }
}
