namespace SshMux.Control;

/// <summary>
/// Where the daemon's control connection lives: the platform seam. Unix uses a domain socket
/// (<see cref="UnixControlEndpoint"/>); Windows would use a named pipe with a user-SID DACL
/// (<see cref="NamedPipeControlEndpoint"/>, not implemented).
/// </summary>
internal interface IControlEndpoint
{
    /// <summary>For messages: the socket path or pipe name.</summary>
    string Address { get; }

    /// <summary>Claims the endpoint for a daemon; throws <see cref="ControlException"/> when it cannot (unsafe directory, another daemon).</summary>
    IControlListener Listen();

    /// <summary>Connects to the running daemon; throws <see cref="DaemonNotRunningException"/> when none answers.</summary>
    Task<Stream> ConnectAsync(CancellationToken cancellationToken);
}

/// <summary>A claimed endpoint accepting control connections.</summary>
internal interface IControlListener : IAsyncDisposable
{
    Task<Stream> AcceptAsync(CancellationToken cancellationToken);
}

/// <summary>Chooses the endpoint of the platform.</summary>
internal static class ControlEndpoint
{
    public const string SocketName = "control.sock";

    public static IControlEndpoint ForCurrentUser(Func<string, string?>? getenv = null)
    {
        getenv ??= Environment.GetEnvironmentVariable;
        if (OperatingSystem.IsWindows())
        {
            return new NamedPipeControlEndpoint();
        }

        return new UnixControlEndpoint(ControlDirectory.Default(getenv));
    }
}

/// <summary>
/// Windows: a named pipe with PIPE_REJECT_REMOTE_CLIENTS, an explicit user-SID DACL and a
/// CSPRNG name token, as the seed describes. Not implemented; every call says so.
/// </summary>
internal sealed class NamedPipeControlEndpoint : IControlEndpoint
{
    private const string Missing = "The control pipe for Windows (a named pipe with a user-SID DACL) is not implemented yet";

    public string Address => @"\\.\pipe\ssh-mux";

    public IControlListener Listen() => throw new ControlException(Missing);

    public Task<Stream> ConnectAsync(CancellationToken cancellationToken) => throw new ControlException(Missing);
}
