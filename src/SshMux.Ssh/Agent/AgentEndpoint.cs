using System.IO.Pipes;
using System.Net.Sockets;

namespace SshMux.Ssh.Agent;

/// <summary>
/// The platform seam of the agent client: opens the byte stream to the agent. On Unix (and on
/// Windows for a socket path) it is a Unix-domain stream socket, as OpenSSH's ssh-agent listens
/// on; on Windows a \\.\pipe\ path is a named pipe, which is what the Windows OpenSSH agent
/// service (\\.\pipe\openssh-ssh-agent) listens on.
/// </summary>
/// <remarks>
/// The named-pipe branch compiles everywhere but cannot be exercised by the test suite, which
/// runs on Linux; only the Unix-socket branch is tested.
/// </remarks>
internal static class AgentEndpoint
{
    /// <summary>Where the Windows OpenSSH agent service listens when SSH_AUTH_SOCK is not set.</summary>
    public const string WindowsPipePath = @"\\.\pipe\openssh-ssh-agent";

    private const string PipePrefix = @"\\.\pipe\";

    /// <summary>How long to wait for a named pipe to exist before calling it missing.</summary>
    private static readonly TimeSpan PipeWait = TimeSpan.FromSeconds(2);

    public static bool IsPipePath(string path) => path.StartsWith(PipePrefix, StringComparison.OrdinalIgnoreCase) && path.Length > PipePrefix.Length;

    /// <summary>Connects, mapping every failure to an <see cref="SshAgentException"/> that names the path.</summary>
    public static ValueTask<Stream> ConnectAsync(string path, CancellationToken cancellationToken) =>
        OperatingSystem.IsWindows() && IsPipePath(path)
            ? ConnectPipeAsync(path, cancellationToken)
            : ConnectSocketAsync(path, cancellationToken);

    private static async ValueTask<Stream> ConnectSocketAsync(string path, CancellationToken cancellationToken)
    {
        UnixDomainSocketEndPoint endPoint;
        try
        {
            endPoint = new UnixDomainSocketEndPoint(path);
        }
        catch (ArgumentException e)
        {
            // Typically a path longer than sockaddr_un allows (about 107 bytes).
            throw new SshAgentException(SshAgentError.ConnectFailed, $"Cannot use the ssh-agent socket path {path}: {e.Message}", e);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var hint = e.SocketErrorCode switch
            {
                SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported when !File.Exists(path) =>
                    "no such socket (is the agent running, and is SSH_AUTH_SOCK current?)",
                SocketError.ConnectionRefused => "connection refused (the agent is not listening: it may have exited)",
                SocketError.AccessDenied => "permission denied",
                _ => e.Message,
            };
            throw new SshAgentException(SshAgentError.ConnectFailed, $"Cannot connect to the ssh-agent at {path}: {hint}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async ValueTask<Stream> ConnectPipeAsync(string path, CancellationToken cancellationToken)
    {
        var pipe = new NamedPipeClientStream(".", path[PipePrefix.Length..], PipeDirection.InOut, PipeOptions.Asynchronous);
        try
        {
            await pipe.ConnectAsync(PipeWait, cancellationToken).ConfigureAwait(false);
            return pipe;
        }
        catch (TimeoutException e)
        {
            await pipe.DisposeAsync().ConfigureAwait(false);
            throw new SshAgentException(SshAgentError.ConnectFailed,
                $"Cannot connect to the ssh-agent at {path}: no such pipe (is the ssh-agent service running?)", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await pipe.DisposeAsync().ConfigureAwait(false);
            throw new SshAgentException(SshAgentError.ConnectFailed, $"Cannot connect to the ssh-agent at {path}: {e.Message}", e);
        }
        catch
        {
            await pipe.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
