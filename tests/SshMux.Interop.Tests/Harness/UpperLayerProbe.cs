using System.Buffers.Binary;
using System.Text;
using System.Threading.Channels;
using SshMux.Ssh.Transport;

namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// Traffic above the transport for tests that must show a connection still carries data:
/// SSH_MSG_IGNORE floods and an SSH_MSG_USERAUTH_REQUEST "none" (RFC 4252 section 5.2)
/// that any server answers with SSH_MSG_USERAUTH_FAILURE listing its methods.
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

    /// <summary>Sends <paramref name="totalBytes"/> of SSH_MSG_IGNORE data in messages of <paramref name="chunk"/> bytes.</summary>
    public static async Task StreamIgnoreAsync(SshTransport transport, long totalBytes, int chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var message = IgnoreMessage(chunk);
        for (long sent = 0; sent < totalBytes; sent += chunk)
        {
            await transport.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// After ssh-userauth was accepted: asks for "none" authentication and returns the
    /// methods the server lists in its SSH_MSG_USERAUTH_FAILURE.
    /// </summary>
    public static async Task<string> AuthNoneAsync(SshTransport transport, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var replies = Channel.CreateUnbounded<byte[]>();
        transport.MessageHandler = (_, payload, _) =>
        {
            replies.Writer.TryWrite(payload.ToArray());
            return ValueTask.CompletedTask;
        };

        var request = new List<byte> { 50 };
        foreach (var field in new[] { "sshmux-interop", "ssh-connection", "none" })
        {
            var bytes = Encoding.ASCII.GetBytes(field);
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
            request.AddRange(length);
            request.AddRange(bytes);
        }

        await transport.SendMessageAsync(request.ToArray(), cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        var reply = await replies.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        transport.MessageHandler = null;
        Assert.True(reply[0] == 51, $"Expected SSH_MSG_USERAUTH_FAILURE (51), got message {reply[0]}");
        var methodsLength = (int)BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(1));
        return Encoding.ASCII.GetString(reply, 5, methodsLength);
    }
}
