using System.Security.Cryptography;
using System.Text;
using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Auth;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>Which script server a <see cref="ScriptServerRig"/> runs.</summary>
public enum ScriptServerKind
{
    Paramiko,
    NodeSsh2,
}

/// <summary>
/// A script server (Paramiko or node ssh2) for ssh-mux's client: an ed25519 host key made by
/// ssh-keygen, one user who may sign in with the client key or a random password, and
/// sessions whose exec runs the command with /bin/sh. The server's stdout says what it
/// decided ("publickey-accepted USER ALG", "password-refused USER", "exec COMMAND").
/// </summary>
public sealed class ScriptServerRig : IAsyncDisposable
{
    public const string User = "sshmux-peer";

    private ScriptServerRig(TempDirectory work, PeerClientKey clientKey, PeerHostKey hostKey, string password, PeerProcess server, int port)
    {
        Work = work;
        ClientKey = clientKey;
        HostKey = hostKey;
        Password = password;
        Server = server;
        Port = port;
    }

    public TempDirectory Work { get; }

    public PeerClientKey ClientKey { get; }

    public PeerHostKey HostKey { get; }

    public string Password { get; }

    public PeerProcess Server { get; }

    public int Port { get; }

    public static async Task<ScriptServerRig> StartAsync(InteropRun run, ScriptServerKind kind)
    {
        ArgumentNullException.ThrowIfNull(run);
        var work = new TempDirectory("sshmux-peers-");
        try
        {
            var clientKey = await PeerClientKey.GenerateAsync(run, work.File("client_ed25519")).ConfigureAwait(false);
            var hostKey = await PeerHostKeys.OpenSshAsync("ssh-ed25519").ConfigureAwait(false);
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
            var (server, port) = kind == ScriptServerKind.Paramiko
                ? await ScriptPeer.ParamikoServerAsync(run, work.Path, [hostKey.PrivateKeyPath, User, Convert.ToBase64String(clientKey.PublicBlob), password]).ConfigureAwait(false)
                : await ScriptPeer.NodeServerAsync(run, work.Path, [hostKey.PrivateKeyPath, User, clientKey.PublicKeyLine, password]).ConfigureAwait(false);
            return new ScriptServerRig(work, clientKey, hostKey, password, server, port);
        }
        catch
        {
            work.Dispose();
            throw;
        }
    }

    /// <summary>Our client, signed in with the client key; checks it was shown the server's host key.</summary>
    public async Task<OurSession> ConnectWithKeyAsync(InteropRun run, CancellationToken ct)
    {
        var session = await OurSession.ConnectWithKeyAsync(run, Port, User, ClientKey, ct).ConfigureAwait(false);
        Assert.Equal(HostKey.PublicBlob, session.Transport.HostKey!.Blob.ToArray());
        return session;
    }

    /// <summary>Our client, signed in by password: a wrong one first, then the right one.</summary>
    public async Task<OurSession> ConnectWithPasswordAsync(InteropRun run, CancellationToken ct)
    {
        var options = new ClientAuthOptions
        {
            Methods = [SshAuthMethods.Password],
            PasswordCallback = (request, _) => ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes(request.Attempt == 1 ? "not-" + Password : Password)),
        };
        var session = await OurSession.ConnectAsync(run, Port, User, options, ct).ConfigureAwait(false);
        Assert.Equal(HostKey.PublicBlob, session.Transport.HostKey!.Blob.ToArray());
        return session;
    }

    /// <summary>Waits for a line of the server's decisions.</summary>
    public Task<string> WaitForLogAsync(string line) =>
        Server.WaitForLineAsync(l => l == line, TimeSpan.FromSeconds(15), $"\"{line}\"");

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        Work.Dispose();
    }
}
