using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SshMux.Ssh.Transport;

namespace SshMux.SignProxy;

/// <summary>
/// The HTTP listener (Kestrel, minimal API) on a TCP address or a Unix socket. A Unix socket
/// is made mode 0600 as soon as it is bound, and removed at shutdown; a stale socket left by a
/// crashed proxy is replaced, a live one (another proxy answering on it) is not.
/// </summary>
internal sealed class SignProxyServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SignProxyOptions _options;
    private bool _stopped;

    private SignProxyServer(WebApplication app, SignProxyOptions options, string address, int? port)
    {
        _app = app;
        _options = options;
        Address = address;
        Port = port;
    }

    /// <summary>"http://127.0.0.1:7221" or "unix:/path".</summary>
    public string Address { get; }

    /// <summary>The bound TCP port (useful when 0 was asked for); null on a Unix socket.</summary>
    public int? Port { get; }

    public static async Task<SignProxyServer> StartAsync(SignProxyOptions options, SshLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        if (options.Listen.UnixPath is { } socketPath)
        {
            RemoveStaleSocket(socketPath);
        }

        // Only the options above configure the listener: ASP.NET's default sources
        // (appsettings.json in the working directory, ASPNETCORE_* variables) could otherwise
        // add endpoints, e.g. a 0.0.0.0 listener that bypasses the token rule.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            // Small limits: the only legitimate clients are the shim and curl.
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            if (options.Listen.UnixPath is { } path)
            {
                kestrel.ListenUnixSocket(path);
            }
            else
            {
                kestrel.Listen(options.Listen.Tcp!);
            }
        });

        var app = builder.Build();
        var endpoints = new SignProxyEndpoints(options, log);
        app.Use(endpoints.GuardAsync);
        app.MapPost("/sign", endpoints.SignAsync);
        app.MapGet("/publickey", endpoints.PublicKeyAsync);
        app.MapGet("/healthz", endpoints.HealthAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"Cannot listen on {options.Listen}: {e.Message}", e);
        }

        if (options.Listen.UnixPath is { } bound)
        {
            if (!OperatingSystem.IsWindows())
            {
                // Connecting to a Unix socket needs write permission on it: 0600 keeps it to this user.
                File.SetUnixFileMode(bound, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return new SignProxyServer(app, options, SignProxyListen.UnixPrefix + bound, null);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        var endPoint = new IPEndPoint(options.Listen.Tcp!.Address, port);
        return new SignProxyServer(app, options, "http://" + endPoint, port);
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled, then stops.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await StopAsync().ConfigureAwait(false);
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;

        // The socket file goes first: new clients fail at once while requests in flight finish,
        // and a stop cut short (the command line gives a terminated command a few seconds) does
        // not leave it behind.
        if (_options.Listen.UnixPath is { } path && File.Exists(path))
        {
            File.Delete(path);
        }

        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(grace.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused && new FileInfo(path).Length == 0)
            {
                // Nobody is listening: left behind by a proxy that did not shut down cleanly.
                // (Linux also refuses a connect to an empty regular file; the length check keeps
                // a file with contents safe, and an empty file at the socket path is no loss.)
                File.Delete(path);
                return;
            }
            catch (SocketException e)
            {
                throw new IOException($"Cannot listen on unix:{path}: the path exists and is not a usable socket ({e.Message})", e);
            }
        }

        throw new IOException($"Cannot listen on unix:{path}: another process is listening on it");
    }
}
