using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>SSH_MSG_KEX_DH_GEX_REQUEST (RFC 4419 section 3): uint32 min, n, max group sizes in bits.</summary>
internal sealed class KexDhGexRequest
{
    public const byte Number = KexMessageNumbers.KexDhGexRequest;

    public required uint Min { get; init; }

    public required uint Preferred { get; init; }

    public required uint Max { get; init; }

    public void Write(SshWriter writer) => writer.WriteByte(Number).WriteUInt32(Min).WriteUInt32(Preferred).WriteUInt32(Max);

    public static KexDhGexRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = KexWire.OpenPayload(payload, Number, "SSH_MSG_KEX_DH_GEX_REQUEST");
        var min = reader.ReadUInt32("min");
        var n = reader.ReadUInt32("n");
        var max = reader.ReadUInt32("max");
        reader.EnsureEnd("SSH_MSG_KEX_DH_GEX_REQUEST");
        return new KexDhGexRequest { Min = min, Preferred = n, Max = max };
    }
}

/// <summary>SSH_MSG_KEX_DH_GEX_GROUP (RFC 4419 section 3): mpint p, mpint g (unsigned magnitudes here).</summary>
internal sealed class KexDhGexGroup
{
    public const byte Number = KexMessageNumbers.KexDhGexGroup;

    public required byte[] P { get; init; }

    public required byte[] G { get; init; }

    public void Write(SshWriter writer) => writer.WriteByte(Number).WriteUnsignedMPInt(P).WriteUnsignedMPInt(G);

    public static KexDhGexGroup Read(ReadOnlySpan<byte> payload)
    {
        var reader = KexWire.OpenPayload(payload, Number, "SSH_MSG_KEX_DH_GEX_GROUP");
        var p = reader.ReadUnsignedMPInt("p").ToArray();
        var g = reader.ReadUnsignedMPInt("g").ToArray();
        reader.EnsureEnd("SSH_MSG_KEX_DH_GEX_GROUP");
        return new KexDhGexGroup { P = p, G = g };
    }
}

/// <summary>SSH_MSG_KEX_DH_GEX_INIT (RFC 4419 section 3): mpint e.</summary>
internal sealed class KexDhGexInit
{
    public const byte Number = KexMessageNumbers.KexDhGexInit;

    public required byte[] E { get; init; }

    public void Write(SshWriter writer) => writer.WriteByte(Number).WriteUnsignedMPInt(E);

    public static KexDhGexInit Read(ReadOnlySpan<byte> payload)
    {
        var reader = KexWire.OpenPayload(payload, Number, "SSH_MSG_KEX_DH_GEX_INIT");
        var e = reader.ReadUnsignedMPInt("e").ToArray();
        reader.EnsureEnd("SSH_MSG_KEX_DH_GEX_INIT");
        return new KexDhGexInit { E = e };
    }
}

/// <summary>SSH_MSG_KEX_DH_GEX_REPLY (RFC 4419 section 3): string K_S, mpint f, string signature of H.</summary>
internal sealed class KexDhGexReply
{
    public const byte Number = KexMessageNumbers.KexDhGexReply;

    public required byte[] HostKey { get; init; }

    public required byte[] F { get; init; }

    public required byte[] Signature { get; init; }

    public void Write(SshWriter writer) =>
        writer.WriteByte(Number).WriteBinary(HostKey).WriteUnsignedMPInt(F).WriteBinary(Signature);

    public static KexDhGexReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = KexWire.OpenPayload(payload, Number, "SSH_MSG_KEX_DH_GEX_REPLY");
        var hostKey = reader.ReadBinaryArray("K_S");
        var f = reader.ReadUnsignedMPInt("f").ToArray();
        var signature = reader.ReadBinaryArray("signature");
        reader.EnsureEnd("SSH_MSG_KEX_DH_GEX_REPLY");
        return new KexDhGexReply { HostKey = hostKey, F = f, Signature = signature };
    }
}
