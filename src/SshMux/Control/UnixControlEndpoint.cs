using System.Net.Sockets;

namespace SshMux.Control;

/// <summary>
/// The control socket on Unix: DIRECTORY/control.sock, mode 0600, in a directory checked by
/// <see cref="ControlDirectory"/>. A socket left by a daemon that died is replaced only after
/// a connection attempt shows nobody answers it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class UnixControlEndpoint(string directory) : IControlEndpoint
{
    private const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Directory => directory;

    public string Address => Path.Combine(directory, ControlEndpoint.SocketName);

    public IControlListener Listen()
    {
        ControlDirectory.Prepare(directory);
        var path = Address;
        if (UnixFiles.Lstat(path) is { } existing)
        {
            if (!existing.IsSocket)
            {
                throw new ControlException($"{path} exists and is not a socket; remove it if no ssh-mux daemon uses it");
            }

            if (Answers(path))
            {
                throw new ControlException($"An ssh-mux daemon is already running (it answers on {path})");
            }

            File.Delete(path);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));

            // The directory is 0700 already; the mode keeps the socket private if it is ever moved or the directory loosened.
            File.SetUnixFileMode(path, SocketMode);
            socket.Listen(16);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            throw new ControlException($"Cannot listen on {path}: {e.Message}", e);
        }

        return new Listener(socket, path);
    }

    public async Task<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        ControlDirectory.Check(directory);
        var path = Address;
        var status = UnixFiles.Lstat(path) ?? throw new DaemonNotRunningException($"No ssh-mux daemon is running (no control socket at {path})");
        if (!status.IsSocket)
        {
            throw new ControlException($"{path} is not a socket");
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new DaemonNotRunningException($"No ssh-mux daemon is running (nothing answers on {path}: {e.Message})", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static bool Answers(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private sealed class Listener(Socket socket, string path) : IControlListener
    {
        public async Task<Stream> AcceptAsync(CancellationToken cancellationToken)
        {
            var client = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            return new NetworkStream(client, ownsSocket: true);
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Left behind: the next daemon finds nobody answering and replaces it.
            }

            return ValueTask.CompletedTask;
        }
    }
}
