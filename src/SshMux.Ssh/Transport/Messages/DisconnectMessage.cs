using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Transport.Messages;

/// <summary>SSH_MSG_DISCONNECT (RFC 4253 section 11.1).</summary>
public sealed record DisconnectMessage(DisconnectReason Reason, string Description, string Language = "")
{
    public byte[] ToPayload()
    {
        using var w = new SshWriter();
        w.WriteByte(MessageNumbers.Disconnect);
        w.WriteUInt32((uint)Reason);
        w.WriteString(Description);
        w.WriteString(Language);
        return w.ToArray();
    }

    public static DisconnectMessage Parse(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        var reason = (DisconnectReason)r.ReadUInt32("reason code");
        // Some implementations omit the language tag; the description is what matters.
        var description = r.AtEnd ? string.Empty : r.ReadString("description");
        var language = r.AtEnd ? string.Empty : r.ReadString("language tag");
        return new DisconnectMessage(reason, description, language);
    }
}

/// <summary>SSH_MSG_DEBUG (RFC 4253 section 11.3).</summary>
public sealed record DebugMessage(bool AlwaysDisplay, string Message, string Language = "")
{
    public byte[] ToPayload()
    {
        using var w = new SshWriter();
        w.WriteByte(MessageNumbers.Debug);
        w.WriteBoolean(AlwaysDisplay);
        w.WriteString(Message);
        w.WriteString(Language);
        return w.ToArray();
    }

    public static DebugMessage Parse(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        var always = r.ReadBoolean("always_display");
        var message = r.ReadString("message");
        var language = r.AtEnd ? string.Empty : r.ReadString("language tag");
        return new DebugMessage(always, message, language);
    }
}

/// <summary>SSH_MSG_UNIMPLEMENTED (RFC 4253 section 11.4).</summary>
public sealed record UnimplementedMessage(uint SequenceNumber)
{
    public byte[] ToPayload()
    {
        using var w = new SshWriter(8);
        w.WriteByte(MessageNumbers.Unimplemented);
        w.WriteUInt32(SequenceNumber);
        return w.ToArray();
    }

    public static UnimplementedMessage Parse(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        var seq = r.ReadUInt32("packet sequence number");
        r.EnsureEnd("SSH_MSG_UNIMPLEMENTED");
        return new UnimplementedMessage(seq);
    }
}

/// <summary>SSH_MSG_SERVICE_REQUEST and SSH_MSG_SERVICE_ACCEPT (RFC 4253 section 10).</summary>
public sealed record ServiceMessage(byte Number, string ServiceName)
{
    public byte[] ToPayload()
    {
        using var w = new SshWriter();
        w.WriteByte(Number);
        w.WriteString(ServiceName);
        return w.ToArray();
    }

    public static ServiceMessage Parse(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        var number = r.ReadByte();
        var name = r.ReadAsciiString("service name");
        r.EnsureEnd(number == MessageNumbers.ServiceRequest ? "SSH_MSG_SERVICE_REQUEST" : "SSH_MSG_SERVICE_ACCEPT");
        return new ServiceMessage(number, name);
    }
}

/// <summary>SSH_MSG_EXT_INFO (RFC 8308 section 2.3).</summary>
public sealed record ExtInfoMessage(IReadOnlyList<KeyValuePair<string, byte[]>> Extensions)
{
    public byte[] ToPayload()
    {
        using var w = new SshWriter();
        w.WriteByte(MessageNumbers.ExtInfo);
        w.WriteUInt32((uint)Extensions.Count);
        foreach (var (name, value) in Extensions)
        {
            w.WriteString(name);
            w.WriteBinary(value);
        }

        return w.ToArray();
    }

    public static ExtInfoMessage Parse(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        var count = r.ReadUInt32("nr-extensions");
        if (count > 1024)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"SSH_MSG_EXT_INFO claims {count} extensions");
        }

        var list = new List<KeyValuePair<string, byte[]>>((int)count);
        for (var i = 0; i < count; i++)
        {
            var name = r.ReadAsciiString("extension-name");
            var value = r.ReadBinaryArray("extension-value");
            list.Add(new(name, value));
        }

        r.EnsureEnd("SSH_MSG_EXT_INFO");
        return new ExtInfoMessage(list);
    }
}
