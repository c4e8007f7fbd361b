namespace SshMux.Ssh.Transport;

/// <summary>One protocol layer above the transport: the authentication or the connection protocol.</summary>
public interface ISshService
{
    /// <summary>Handles one message on the receive loop; the payload is valid until the task completes.</summary>
    ValueTask HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}

/// <summary>
/// Routes the messages above the transport to the layer that owns them (RFC 4250 section
/// 4.1.2): 50-79 to user authentication, 80-127 to the connection protocol. Connection
/// messages are refused until authentication has succeeded; authentication messages after
/// success are ignored, as RFC 4252 section 5.1 says.
/// </summary>
public sealed class SshServiceRouter
{
    private readonly SshTransport _transport;
    private int _authenticated;

    public SshServiceRouter(SshTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        transport.MessageHandler = (_, payload, ct) => DispatchAsync(payload, ct);
    }

    public SshTransport Transport => _transport;

    public ISshService? Authentication { get; set; }

    public ISshService? Connection { get; set; }

    public bool IsAuthenticated => Volatile.Read(ref _authenticated) != 0;

    /// <summary>Called by the authentication layer, on the receive loop, when SSH_MSG_USERAUTH_SUCCESS is sent or received.</summary>
    public void MarkAuthenticated() => Volatile.Write(ref _authenticated, 1);

    private async ValueTask DispatchAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var number = payload.Span[0];
        if (number < 80)
        {
            if (IsAuthenticated)
            {
                return;
            }

            var auth = Authentication ?? throw new SshException(DisconnectReason.ProtocolError, $"Unexpected authentication message {number}: no authentication is in progress");
            await auth.HandleMessageAsync(payload, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (number >= 128)
        {
            // Local extensions (128-255, RFC 4250 section 4.1.2) are not used by ssh-mux.
            await _transport.SendMessageAsync(new Messages.UnimplementedMessage(_transport.LastReceivedSequenceNumber).ToPayload(), cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!IsAuthenticated)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Connection protocol message {number} before authentication succeeded");
        }

        var connection = Connection ?? throw new SshException(DisconnectReason.ProtocolError, $"Unexpected connection message {number}: no connection service is running");
        await connection.HandleMessageAsync(payload, cancellationToken).ConfigureAwait(false);
    }
}
