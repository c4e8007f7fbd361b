using SshMux.Interop.Tests.Harness;
using SshMux.Interop.Tests.PeerInterop;

namespace SshMux.Interop.Tests.Sftp;

/// <summary>A Paramiko or node ssh2 SFTP server (<see cref="SftpServerScripts"/>) with its own host key and one client key.</summary>
internal sealed class SftpScriptServer : IAsyncDisposable
{
    private SftpScriptServer(TempDirectory work, PeerClientKey clientKey, PeerHostKey hostKey, PeerProcess process, int port)
    {
        Work = work;
        ClientKey = clientKey;
        HostKey = hostKey;
        Process = process;
        Port = port;
    }

    public TempDirectory Work { get; }

    public PeerClientKey ClientKey { get; }

    public PeerHostKey HostKey { get; }

    public PeerProcess Process { get; }

    public int Port { get; }

    public static async Task<SftpScriptServer> StartAsync(InteropRun run, ScriptServerKind kind)
    {
        var work = new TempDirectory("sshmux-sftp-");
        try
        {
            var clientKey = await PeerClientKey.GenerateAsync(run, work.File("client_ed25519")).ConfigureAwait(false);
            var hostKey = await PeerHostKeys.OpenSshAsync("ssh-ed25519").ConfigureAwait(false);
            var (process, port) = kind == ScriptServerKind.Paramiko
                ? await ScriptPeer.ServerAsync(run, "paramiko sftp server", PeerPrograms.SystemPython, ScriptPeer.Write(work.Path, "sftp_server.py", SftpServerScripts.Paramiko),
                    [hostKey.PrivateKeyPath, ScriptServerRig.User, Convert.ToBase64String(clientKey.PublicBlob)], null).ConfigureAwait(false)
                : await ScriptPeer.ServerAsync(run, "ssh2 sftp server", Peers.Require("node"), ScriptPeer.Write(work.Path, "sftp_server.js", SftpServerScripts.NodeSsh2),
                    [hostKey.PrivateKeyPath, ScriptServerRig.User, clientKey.PublicKeyLine], ScriptPeer.NodeEnvironment()).ConfigureAwait(false);
            return new SftpScriptServer(work, clientKey, hostKey, process, port);
        }
        catch
        {
            work.Dispose();
            throw;
        }
    }

    /// <summary>Our client, signed in with the client key, after checking the server's host key.</summary>
    public async Task<OurSession> ConnectAsync(InteropRun run, CancellationToken ct)
    {
        var session = await OurSession.ConnectWithKeyAsync(run, Port, ScriptServerRig.User, ClientKey, ct).ConfigureAwait(false);
        Assert.Equal(HostKey.PublicBlob, session.Transport.HostKey!.Blob.ToArray());
        return session;
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync().ConfigureAwait(false);
        Work.Dispose();
    }
}
