using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Tests.Support;

/// <summary>A client and a server transport connected in memory.</summary>
public sealed class TransportPair : IAsyncDisposable
{
    private TransportPair(SshTransport client, SshTransport server)
    {
        Client = client;
        Server = server;
    }

    public SshTransport Client { get; }

    public SshTransport Server { get; }

    public static SshClientOptions AcceptAnyHostKey(SshClientOptions? options = null)
    {
        options ??= new SshClientOptions();
        options.HostKeyVerifier = (_, _) => ValueTask.FromResult(true);
        return options;
    }

    public static SshServerOptions ServerWithAllKeys(SshServerOptions? options = null)
    {
        options ??= new SshServerOptions();
        options.HostKeys = TestKeys.All;
        return options;
    }

    public static async Task<TransportPair> StartAsync(SshClientOptions? clientOptions = null, SshServerOptions? serverOptions = null, Action<SshTransport>? configureServer = null)
    {
        clientOptions ??= AcceptAnyHostKey();
        serverOptions ??= ServerWithAllKeys();
        var (clientStream, serverStream) = InMemoryConnection.Create();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var serverTask = SshTransport.AcceptAsync(serverStream, serverOptions, timeout.Token);
        var clientTask = SshTransport.ConnectAsync(clientStream, clientOptions, timeout.Token);
        try
        {
            await Task.WhenAll(serverTask, clientTask);
        }
        catch
        {
            // Surface the first failure but make sure both ends are closed.
            if (serverTask.IsCompletedSuccessfully)
            {
                await serverTask.Result.DisposeAsync();
            }

            if (clientTask.IsCompletedSuccessfully)
            {
                await clientTask.Result.DisposeAsync();
            }

            throw;
        }

        configureServer?.Invoke(serverTask.Result);
        return new TransportPair(clientTask.Result, serverTask.Result);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}
