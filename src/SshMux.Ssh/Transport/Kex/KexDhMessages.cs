using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>SSH_MSG_KEXDH_INIT (RFC 4253 section 8): mpint e. Holds e's unsigned big-endian magnitude.</summary>
internal sealed class KexDhInit
{
    public const byte Number = KexMessageNumbers.KexDhInit;

    public required byte[] E { get; init; }

    public void Write(SshWriter writer) => writer.WriteByte(Number).WriteUnsignedMPInt(E);

    public static KexDhInit Read(ReadOnlySpan<byte> payload)
    {
        var reader = KexWire.OpenPayload(payload, Number, "SSH_MSG_KEXDH_INIT");
        var e = reader.ReadUnsignedMPInt("e").ToArray();
        reader.EnsureEnd("SSH_MSG_KEXDH_INIT");
        return new KexDhInit { E = e };
    }
}

/// <summary>SSH_MSG_KEXDH_REPLY (RFC 4253 section 8): string K_S, mpint f, string signature of H.</summary>
internal sealed class KexDhReply
{
    public const byte Number = KexMessageNumbers.KexDhReply;

    public required byte[] HostKey { get; init; }

    public required byte[] F { get; init; }

    public required byte[] Signature { get; init; }

    public void Write(SshWriter writer) =>
        writer.WriteByte(Number).WriteBinary(HostKey).WriteUnsignedMPInt(F).WriteBinary(Signature);

    public static KexDhReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = KexWire.OpenPayload(payload, Number, "SSH_MSG_KEXDH_REPLY");
        var hostKey = reader.ReadBinaryArray("K_S");
        var f = reader.ReadUnsignedMPInt("f").ToArray();
        var signature = reader.ReadBinaryArray("signature");
        reader.EnsureEnd("SSH_MSG_KEXDH_REPLY");
        return new KexDhReply { HostKey = hostKey, F = f, Signature = signature };
    }
}
