using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>Sending and receiving key exchange messages through a <see cref="KexContext"/>.</summary>
internal static class KexWire
{
    /// <summary>
    /// Receives the next message and insists on its number: a key exchange is a fixed dialogue
    /// (RFC 4253 section 8), so anything else is a protocol error.
    /// </summary>
    public static async ValueTask<byte[]> ReceiveAsync(KexContext context, byte expected, string expectedName, CancellationToken cancellationToken)
    {
        var payload = await context.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        if (payload.Length == 0)
        {
            throw new SshException(DisconnectReason.ProtocolError,
                $"Key exchange expected message {expected} ({expectedName}) but received an empty payload");
        }

        if (payload[0] != expected)
        {
            throw new SshException(DisconnectReason.ProtocolError,
                $"Key exchange expected message {expected} ({expectedName}) but received message {payload[0]}");
        }

        return payload;
    }

    /// <summary>
    /// Sends a finished message. The payload is copied so the transport may keep it as long as
    /// it likes; key exchange messages are few and small.
    /// </summary>
    public static ValueTask SendAsync(KexContext context, SshWriter message, CancellationToken cancellationToken) =>
        context.SendAsync(message.ToArray(), cancellationToken);

    /// <summary>Starts a reader after the message number, which the caller has already checked.</summary>
    public static SshReader OpenPayload(ReadOnlySpan<byte> payload, byte expected, string name)
    {
        if (payload.Length == 0 || payload[0] != expected)
        {
            throw new SshException(DisconnectReason.ProtocolError,
                $"Malformed {name}: expected message {expected} but found {(payload.Length == 0 ? "nothing" : payload[0].ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        }

        var reader = new SshReader(payload);
        reader.Skip(1, "message number");
        return reader;
    }

    public static SshException Failed(string message) => new(DisconnectReason.KeyExchangeFailed, message);
}
