using System.Security.Cryptography;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Transport.Messages;

/// <summary>SSH_MSG_KEXINIT (RFC 4253 section 7.1).</summary>
public sealed class KexInitMessage
{
    public byte[] Cookie { get; init; } = RandomNumberGenerator.GetBytes(16);

    public required IReadOnlyList<string> KexAlgorithms { get; init; }

    public required IReadOnlyList<string> ServerHostKeyAlgorithms { get; init; }

    public required IReadOnlyList<string> EncryptionClientToServer { get; init; }

    public required IReadOnlyList<string> EncryptionServerToClient { get; init; }

    public required IReadOnlyList<string> MacClientToServer { get; init; }

    public required IReadOnlyList<string> MacServerToClient { get; init; }

    public IReadOnlyList<string> CompressionClientToServer { get; init; } = ["none"];

    public IReadOnlyList<string> CompressionServerToClient { get; init; } = ["none"];

    public IReadOnlyList<string> LanguagesClientToServer { get; init; } = [];

    public IReadOnlyList<string> LanguagesServerToClient { get; init; } = [];

    public bool FirstKexPacketFollows { get; init; }

    public uint Reserved { get; init; }

    public byte[] ToPayload()
    {
        using var w = new SshWriter(512);
        w.WriteByte(MessageNumbers.KexInit);
        w.WriteRaw(Cookie);
        w.WriteNameList(KexAlgorithms);
        w.WriteNameList(ServerHostKeyAlgorithms);
        w.WriteNameList(EncryptionClientToServer);
        w.WriteNameList(EncryptionServerToClient);
        w.WriteNameList(MacClientToServer);
        w.WriteNameList(MacServerToClient);
        w.WriteNameList(CompressionClientToServer);
        w.WriteNameList(CompressionServerToClient);
        w.WriteNameList(LanguagesClientToServer);
        w.WriteNameList(LanguagesServerToClient);
        w.WriteBoolean(FirstKexPacketFollows);
        w.WriteUInt32(Reserved);
        return w.ToArray();
    }

    public static KexInitMessage Parse(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        if (r.ReadByte("message number") != MessageNumbers.KexInit)
        {
            throw new SshException(DisconnectReason.ProtocolError, "Expected SSH_MSG_KEXINIT");
        }

        var message = new KexInitMessage
        {
            Cookie = r.ReadBytes(16, "KEXINIT cookie").ToArray(),
            KexAlgorithms = r.ReadNameList("kex_algorithms"),
            ServerHostKeyAlgorithms = r.ReadNameList("server_host_key_algorithms"),
            EncryptionClientToServer = r.ReadNameList("encryption_algorithms_client_to_server"),
            EncryptionServerToClient = r.ReadNameList("encryption_algorithms_server_to_client"),
            MacClientToServer = r.ReadNameList("mac_algorithms_client_to_server"),
            MacServerToClient = r.ReadNameList("mac_algorithms_server_to_client"),
            CompressionClientToServer = r.ReadNameList("compression_algorithms_client_to_server"),
            CompressionServerToClient = r.ReadNameList("compression_algorithms_server_to_client"),
            LanguagesClientToServer = r.ReadNameList("languages_client_to_server"),
            LanguagesServerToClient = r.ReadNameList("languages_server_to_client"),
            FirstKexPacketFollows = r.ReadBoolean("first_kex_packet_follows"),
            Reserved = r.ReadUInt32("reserved"),
        };
        r.EnsureEnd("SSH_MSG_KEXINIT");
        return message;
    }
}
