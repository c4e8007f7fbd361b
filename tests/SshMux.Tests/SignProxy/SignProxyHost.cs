using System.Net.Sockets;
using SshMux.SignProxy;
using SshMux.Ssh.Transport;

namespace SshMux.Tests.SignProxy;

/// <summary>
/// A sign proxy listening for real (Kestrel on a loopback port the kernel picks, or on a Unix
/// socket), and an HttpClient that connects to it the way any client would.
/// </summary>
internal sealed class SignProxyHost : IAsyncDisposable
{
    private readonly List<string> _log = [];

    private SignProxyHost(SignProxyServer server, SignProxyOptions options)
    {
        Server = server;
        Options = options;
    }

    public SignProxyServer Server { get; }

    public SignProxyOptions Options { get; }

    /// <summary>The proxy's log lines so far.</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>http://127.0.0.1:PORT for TCP; for a Unix socket, a placeholder host (the socket is the transport).</summary>
    public Uri BaseAddress => Server.Port is { } port ? new Uri($"http://127.0.0.1:{port}/") : new Uri("http://localhost/");

    /// <summary>Starts a proxy from settings as the command would resolve them; the default listen address is loopback port 0.</summary>
    public static async Task<SignProxyHost> StartAsync(SignProxySettings settings)
    {
        var options = SignProxyOptions.Resolve(settings with { Listen = settings.Listen ?? "127.0.0.1:0" });
        SignProxyHost? host = null;
        var server = await SignProxyServer.StartAsync(options, (level, message) => host?.Record(level, message), CancellationToken.None);
        host = new SignProxyHost(server, options);
        return host;
    }

    public HttpClient CreateClient(string? token = null)
    {
        var handler = new SocketsHttpHandler();
        if (Options.Listen.UnixPath is { } path)
        {
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    private void Record(SshLogLevel level, string message)
    {
        lock (_log)
        {
            _log.Add($"{level} {message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Options.Token?.Dispose();
    }
}

/// <summary>One HTTP answer: the status and the body text.</summary>
internal sealed record ProxyAnswer(int Status, string Body)
{
    public static async Task<ProxyAnswer> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            return new ProxyAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    public override string ToString() => $"{Status}: {Body}";
}

internal static class ProxyClient
{
    public static async Task<ProxyAnswer> SignAsync(this HttpClient client, byte[] message, string path = "sign")
    {
        using var content = new ByteArrayContent(message);
        return await ProxyAnswer.ReadAsync(await client.PostAsync(path, content));
    }

    public static async Task<ProxyAnswer> GetTextAsync(this HttpClient client, string path) =>
        await ProxyAnswer.ReadAsync(await client.GetAsync(path));
}
