using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>
/// SSH_MSG_KEX_ECDH_INIT (RFC 5656 section 4; curve25519 reuses it, RFC 8731 section 3):
/// string Q_C, the client's ephemeral public key octet string.
/// </summary>
internal sealed class KexEcdhInit
{
    public const byte Number = KexMessageNumbers.KexDhInit;

    public required byte[] ClientPublic { get; init; }

    public void Write(SshWriter writer) => writer.WriteByte(Number).WriteBinary(ClientPublic);

    public static KexEcdhInit Read(ReadOnlySpan<byte> payload)
    {
        var reader = KexWire.OpenPayload(payload, Number, "SSH_MSG_KEX_ECDH_INIT");
        var q = reader.ReadBinaryArray("Q_C");
        reader.EnsureEnd("SSH_MSG_KEX_ECDH_INIT");
        return new KexEcdhInit { ClientPublic = q };
    }
}

/// <summary>
/// SSH_MSG_KEX_ECDH_REPLY (RFC 5656 section 4): string K_S, string Q_S, string signature of H.
/// </summary>
internal sealed class KexEcdhReply
{
    public const byte Number = KexMessageNumbers.KexDhReply;

    public required byte[] HostKey { get; init; }

    public required byte[] ServerPublic { get; init; }

    public required byte[] Signature { get; init; }

    public void Write(SshWriter writer) =>
        writer.WriteByte(Number).WriteBinary(HostKey).WriteBinary(ServerPublic).WriteBinary(Signature);

    public static KexEcdhReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = KexWire.OpenPayload(payload, Number, "SSH_MSG_KEX_ECDH_REPLY");
        var hostKey = reader.ReadBinaryArray("K_S");
        var q = reader.ReadBinaryArray("Q_S");
        var signature = reader.ReadBinaryArray("signature");
        reader.EnsureEnd("SSH_MSG_KEX_ECDH_REPLY");
        return new KexEcdhReply { HostKey = hostKey, ServerPublic = q, Signature = signature };
    }
}
