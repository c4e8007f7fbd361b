using System.Threading.Channels;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// Just enough "publickey" authentication (RFC 4252 section 7) to take a connection to sshd
/// past authentication, where OpenSSH starts and accepts re-keys (it does neither before:
/// packet.c "client can't cope with rekeying pre-auth", and sshd's pre-auth dispatch table
/// answers KEXINIT with SSH_MSG_UNIMPLEMENTED). Test scaffolding, not ssh-mux's auth layer.
/// </summary>
public static class PublicKeyAuth
{
    private const byte UserAuthRequest = 50;
    private const byte UserAuthFailure = 51;
    private const byte UserAuthSuccess = 52;
    private const byte UserAuthBanner = 53;

    /// <summary>Requests ssh-userauth, signs in with the key and waits for SSH_MSG_USERAUTH_SUCCESS.</summary>
    public static async Task AuthenticateAsync(SshTransport transport, string user, SshPrivateKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(key);
        await transport.RequestServiceAsync("ssh-userauth", cancellationToken);

        var algorithm = key.PublicKey.SignatureAlgorithms[0];
        var blob = key.PublicKey.Blob.Span;
        using var signed = new SshWriter();
        signed.WriteBinary(transport.SessionId.Span);
        WriteRequestFields(signed, user, algorithm, blob);
        var signature = key.Sign(algorithm, signed.WrittenSpan);

        using var request = new SshWriter();
        WriteRequestFields(request, user, algorithm, blob);
        request.WriteBinary(signature);

        var replies = Channel.CreateUnbounded<byte[]>();
        transport.MessageHandler = (_, payload, _) =>
        {
            replies.Writer.TryWrite(payload.ToArray());
            return ValueTask.CompletedTask;
        };
        try
        {
            await transport.SendMessageAsync(request.ToArray(), cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            while (true)
            {
                var reply = await replies.Reader.ReadAsync(timeout.Token);
                switch (reply[0])
                {
                    case UserAuthSuccess:
                        return;
                    case UserAuthBanner:
                        continue;
                    case UserAuthFailure:
                        var r = new SshReader(reply.AsSpan(1));
                        Assert.Fail($"{algorithm} authentication as {user} refused; methods that can continue: {r.ReadAsciiString()}");
                        break;
                    default:
                        Assert.Fail($"Unexpected message {reply[0]} in answer to publickey authentication");
                        break;
                }
            }
        }
        finally
        {
            transport.MessageHandler = null;
        }
    }

    /// <summary>The fields the request and the signed data share, from the message number on.</summary>
    private static void WriteRequestFields(SshWriter w, string user, string algorithm, ReadOnlySpan<byte> blob)
    {
        w.WriteByte(UserAuthRequest);
        w.WriteString(user);
        w.WriteString("ssh-connection");
        w.WriteString("publickey");
        w.WriteBoolean(true);
        w.WriteString(algorithm);
        w.WriteBinary(blob);
    }
}
