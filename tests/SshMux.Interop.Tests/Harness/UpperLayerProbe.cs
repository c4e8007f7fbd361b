using System.Buffers.Binary;
using System.Text;
using System.Threading.Channels;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// Traffic above the transport for tests that must show a connection still carries data:
/// SSH_MSG_IGNORE streams, and round trips the peer must answer.
/// </summary>
public static class UpperLayerProbe
{
    /// <summary>byte SSH_MSG_IGNORE, string data (RFC 4253 section 11.2).</summary>
    public static byte[] IgnoreMessage(int dataLength)
    {
        var payload = new byte[5 + dataLength];
        payload[0] = 2;
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(1), (uint)dataLength);
        System.Security.Cryptography.RandomNumberGenerator.Fill(payload.AsSpan(5));
        return payload;
    }

    /// <summary>
    /// Sends <paramref name="totalBytes"/> of SSH_MSG_IGNORE data in bursts of
    /// <paramref name="burstBytes"/>, with a round trip to the peer after each burst.
    /// IGNORE may be sent during a key exchange (RFC 4253 section 7.1), so an unpaced flood
    /// lands in the socket buffers long before any re-key finishes; the round trip (held back
    /// during a key exchange like any connection-layer message) paces the stream as flow
    /// control would, so re-keys happen all along it.
    /// </summary>
    public static async Task StreamIgnoreAsync(SshTransport transport, long totalBytes, int burstBytes, Func<Task> roundTrip, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(roundTrip);
        const int messageBytes = 8 * 1024;
        var message = IgnoreMessage(messageBytes);
        long sent = 0;
        while (sent < totalBytes)
        {
            for (var burst = 0; burst < burstBytes && sent < totalBytes; burst += messageBytes, sent += messageBytes)
            {
                await transport.SendMessageAsync(message, cancellationToken);
            }

            await roundTrip();
        }
    }

    /// <summary>
    /// After authentication: SSH_MSG_GLOBAL_REQUEST "keepalive@openssh.com" with want-reply
    /// (RFC 4254 section 4), which OpenSSH answers with SSH_MSG_REQUEST_FAILURE, as its own
    /// ServerAliveInterval probes expect. sshd's own global requests without want-reply
    /// (hostkeys-00@openssh.com after authentication) are passed over.
    /// </summary>
    public static async Task KeepAliveAsync(SshTransport transport, CancellationToken cancellationToken)
    {
        using var request = new SshWriter();
        request.WriteByte(80);
        request.WriteString("keepalive@openssh.com");
        request.WriteBoolean(true);
        var reply = await RoundTripAsync(transport, request.ToArray(), m => m[0] == 80 && !WantsReply(m), cancellationToken);
        Assert.True(reply[0] is 81 or 82, $"Expected SSH_MSG_REQUEST_SUCCESS or _FAILURE, got message {reply[0]}");
    }

    /// <summary>
    /// After ssh-userauth was accepted: asks for "none" authentication (RFC 4252 section 5.2)
    /// and returns the methods the server lists in its SSH_MSG_USERAUTH_FAILURE.
    /// </summary>
    public static async Task<string> AuthNoneAsync(SshTransport transport, CancellationToken cancellationToken)
    {
        using var request = new SshWriter();
        request.WriteByte(50);
        request.WriteString("sshmux-interop");
        request.WriteString("ssh-connection");
        request.WriteString("none");
        var reply = await RoundTripAsync(transport, request.ToArray(), _ => false, cancellationToken);
        Assert.True(reply[0] == 51, $"Expected SSH_MSG_USERAUTH_FAILURE (51), got message {reply[0]}");
        var methodsLength = (int)BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(1));
        return Encoding.ASCII.GetString(reply, 5, methodsLength);
    }

    /// <summary>SSH_MSG_GLOBAL_REQUEST: string request name, boolean want reply.</summary>
    private static bool WantsReply(byte[] globalRequest)
    {
        var nameLength = (int)BinaryPrimitives.ReadUInt32BigEndian(globalRequest.AsSpan(1));
        return globalRequest[5 + nameLength] != 0;
    }

    /// <summary>Sends a message and returns the first connection-layer message that comes back and is not to be skipped.</summary>
    private static async Task<byte[]> RoundTripAsync(SshTransport transport, byte[] request, Func<byte[], bool> skip, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var replies = Channel.CreateUnbounded<byte[]>();
        transport.MessageHandler = (_, payload, _) =>
        {
            replies.Writer.TryWrite(payload.ToArray());
            return ValueTask.CompletedTask;
        };
        try
        {
            await transport.SendMessageAsync(request, cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            while (true)
            {
                var reply = await replies.Reader.ReadAsync(timeout.Token);
                if (!skip(reply))
                {
                    return reply;
                }
            }
        }
        finally
        {
            transport.MessageHandler = null;
        }
    }
}
