using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Connection;

/// <summary>Message numbers of the connection protocol (RFC 4254 section 9).</summary>
public static class ConnectionMessageNumbers
{
    public const byte GlobalRequest = 80;
    public const byte RequestSuccess = 81;
    public const byte RequestFailure = 82;
    public const byte ChannelOpen = 90;
    public const byte ChannelOpenConfirmation = 91;
    public const byte ChannelOpenFailure = 92;
    public const byte ChannelWindowAdjust = 93;
    public const byte ChannelData = 94;
    public const byte ChannelExtendedData = 95;
    public const byte ChannelEof = 96;
    public const byte ChannelClose = 97;
    public const byte ChannelRequest = 98;
    public const byte ChannelSuccess = 99;
    public const byte ChannelFailure = 100;
}

/// <summary>SSH_MSG_CHANNEL_OPEN_FAILURE reason codes (RFC 4254 section 5.1).</summary>
public enum ChannelOpenFailureReason : uint
{
    AdministrativelyProhibited = 1,
    ConnectFailed = 2,
    UnknownChannelType = 3,
    ResourceShortage = 4,
}

/// <summary>SSH_MSG_CHANNEL_OPEN (RFC 4254 section 5.1); <see cref="TypeSpecificData"/> follows the common fields.</summary>
public sealed record ChannelOpenMessage(string ChannelType, uint SenderChannel, uint InitialWindowSize, uint MaximumPacketSize, byte[] TypeSpecificData)
{
    public byte[] ToPayload()
    {
        using var w = new SshWriter(64 + TypeSpecificData.Length);
        w.WriteByte(ConnectionMessageNumbers.ChannelOpen).WriteString(ChannelType).WriteUInt32(SenderChannel)
            .WriteUInt32(InitialWindowSize).WriteUInt32(MaximumPacketSize).WriteRaw(TypeSpecificData);
        return w.ToArray();
    }

    public static ChannelOpenMessage Parse(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        var type = r.ReadAsciiString("channel type");
        var sender = r.ReadUInt32("sender channel");
        var window = r.ReadUInt32("initial window size");
        var maxPacket = r.ReadUInt32("maximum packet size");
        return new ChannelOpenMessage(type, sender, window, maxPacket, r.RemainingSpan.ToArray());
    }
}

/// <summary>SSH_MSG_CHANNEL_OPEN_CONFIRMATION (RFC 4254 section 5.1).</summary>
public sealed record ChannelOpenConfirmationMessage(uint RecipientChannel, uint SenderChannel, uint InitialWindowSize, uint MaximumPacketSize, byte[] TypeSpecificData)
{
    public byte[] ToPayload()
    {
        using var w = new SshWriter(32 + TypeSpecificData.Length);
        w.WriteByte(ConnectionMessageNumbers.ChannelOpenConfirmation).WriteUInt32(RecipientChannel).WriteUInt32(SenderChannel)
            .WriteUInt32(InitialWindowSize).WriteUInt32(MaximumPacketSize).WriteRaw(TypeSpecificData);
        return w.ToArray();
    }

    public static ChannelOpenConfirmationMessage Parse(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        return new ChannelOpenConfirmationMessage(r.ReadUInt32("recipient channel"), r.ReadUInt32("sender channel"),
            r.ReadUInt32("initial window size"), r.ReadUInt32("maximum packet size"), r.RemainingSpan.ToArray());
    }
}

/// <summary>SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 section 5.1).</summary>
public sealed record ChannelOpenFailureMessage(uint RecipientChannel, ChannelOpenFailureReason Reason, string Description, string Language = "")
{
    public byte[] ToPayload()
    {
        using var w = new SshWriter();
        w.WriteByte(ConnectionMessageNumbers.ChannelOpenFailure).WriteUInt32(RecipientChannel).WriteUInt32((uint)Reason)
            .WriteString(Description).WriteString(Language);
        return w.ToArray();
    }

    public static ChannelOpenFailureMessage Parse(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        var recipient = r.ReadUInt32("recipient channel");
        var reason = (ChannelOpenFailureReason)r.ReadUInt32("reason code");
        var description = r.AtEnd ? string.Empty : r.ReadString("description");
        var language = r.AtEnd ? string.Empty : r.ReadString("language tag");
        return new ChannelOpenFailureMessage(recipient, reason, description, language);
    }
}

/// <summary>SSH_MSG_CHANNEL_REQUEST (RFC 4254 section 5.4); <see cref="Data"/> is the type-specific part.</summary>
public sealed record ChannelRequestMessage(uint RecipientChannel, string RequestType, bool WantReply, byte[] Data)
{
    public byte[] ToPayload()
    {
        using var w = new SshWriter(32 + RequestType.Length + Data.Length);
        w.WriteByte(ConnectionMessageNumbers.ChannelRequest).WriteUInt32(RecipientChannel).WriteString(RequestType)
            .WriteBoolean(WantReply).WriteRaw(Data);
        return w.ToArray();
    }

    public static ChannelRequestMessage Parse(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        return new ChannelRequestMessage(r.ReadUInt32("recipient channel"), r.ReadAsciiString("request type"), r.ReadBoolean("want reply"), r.RemainingSpan.ToArray());
    }
}

/// <summary>SSH_MSG_GLOBAL_REQUEST (RFC 4254 section 4).</summary>
public sealed record GlobalRequestMessage(string RequestName, bool WantReply, byte[] Data)
{
    public byte[] ToPayload()
    {
        using var w = new SshWriter(32 + RequestName.Length + Data.Length);
        w.WriteByte(ConnectionMessageNumbers.GlobalRequest).WriteString(RequestName).WriteBoolean(WantReply).WriteRaw(Data);
        return w.ToArray();
    }

    public static GlobalRequestMessage Parse(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        return new GlobalRequestMessage(r.ReadAsciiString("request name"), r.ReadBoolean("want reply"), r.RemainingSpan.ToArray());
    }
}
