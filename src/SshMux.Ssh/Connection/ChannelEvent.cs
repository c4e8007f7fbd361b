namespace SshMux.Ssh.Connection;

public enum ChannelEventKind
{
    /// <summary>SSH_MSG_CHANNEL_DATA.</summary>
    Data,

    /// <summary>SSH_MSG_CHANNEL_EXTENDED_DATA (stderr is data type code 1).</summary>
    ExtendedData,

    /// <summary>SSH_MSG_CHANNEL_REQUEST; answer it with <see cref="SshChannel.ReplyAsync"/> when it wants a reply.</summary>
    Request,

    /// <summary>SSH_MSG_CHANNEL_EOF: the peer sends no more data.</summary>
    Eof,

    /// <summary>The channel is closed (the peer's SSH_MSG_CHANNEL_CLOSE, or the connection ended). Always the last event.</summary>
    Closed,
}

/// <summary>
/// One inbound event of a channel, in the order the peer sent it. Data events hold a pooled
/// buffer: pass the event to <see cref="SshChannel.Release"/> once the data has been used (the
/// event object itself may then be reused for later data, so keep no reference to it),
/// which returns the buffer and gives the peer window back.
/// </summary>
public sealed class ChannelEvent
{
    internal static readonly ChannelEvent EofEvent = new(ChannelEventKind.Eof);

    internal ChannelEvent(ChannelEventKind kind) => Kind = kind;

    /// <summary>Data events are reused once released, so the data path allocates nothing per message.</summary>
    public ChannelEventKind Kind { get; internal set; }

    /// <summary>For <see cref="ChannelEventKind.ExtendedData"/>: the data type code (1 = stderr).</summary>
    public uint DataTypeCode { get; internal set; }

    internal byte[]? Buffer { get; set; }

    public int Length { get; internal set; }

    /// <summary>The data of a Data/ExtendedData event; valid until the event is released.</summary>
    public ReadOnlyMemory<byte> Data => Buffer is null ? ReadOnlyMemory<byte>.Empty : Buffer.AsMemory(0, Length);

    public string RequestType { get; init; } = string.Empty;

    public bool WantReply { get; init; }

    /// <summary>The type-specific bytes of a request, as sent (a relay forwards them unchanged).</summary>
    public byte[] RequestData { get; init; } = [];

    /// <summary>For <see cref="ChannelEventKind.Closed"/>: why, when the connection failed rather than the peer closing.</summary>
    public Exception? Error { get; init; }
}
