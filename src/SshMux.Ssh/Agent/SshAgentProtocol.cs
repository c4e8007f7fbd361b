using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Agent;

/// <summary>
/// Flags of SSH_AGENTC_SIGN_REQUEST (RFC 9987, formerly draft-miller-ssh-agent-14 section 3.6.1).
/// Without a flag an agent signs an RSA key with SHA-1 ssh-rsa.
/// </summary>
[Flags]
public enum SshAgentSignFlags : uint
{
    None = 0,

    /// <summary>SSH_AGENT_RSA_SHA2_256: sign an RSA key with rsa-sha2-256 (RFC 8332).</summary>
    RsaSha256 = 2,

    /// <summary>SSH_AGENT_RSA_SHA2_512: sign an RSA key with rsa-sha2-512 (RFC 8332).</summary>
    RsaSha512 = 4,
}

/// <summary>
/// Message numbers, limits and the encoders and strict decoders of the agent protocol messages
/// this client uses (RFC 9987 / draft-miller-ssh-agent; OpenSSH PROTOCOL.agent now points there).
/// Every message is framed as uint32 length, then that many bytes starting with the type byte.
/// </summary>
internal static class SshAgentProtocol
{
    public const byte Failure = 5;                 // SSH_AGENT_FAILURE
    public const byte Success = 6;                 // SSH_AGENT_SUCCESS
    public const byte RequestIdentities = 11;      // SSH_AGENTC_REQUEST_IDENTITIES
    public const byte IdentitiesAnswer = 12;       // SSH_AGENT_IDENTITIES_ANSWER
    public const byte SignRequest = 13;            // SSH_AGENTC_SIGN_REQUEST
    public const byte SignResponse = 14;           // SSH_AGENT_SIGN_RESPONSE
    public const byte ExtensionFailure = 28;       // SSH_AGENT_EXTENSION_FAILURE

    // Failure codes of old agents that OpenSSH's authfd.c still treats as SSH_AGENT_FAILURE:
    // SSH2_AGENT_FAILURE from the protocol 1 era and ssh.com's SSH_COM_AGENT2_FAILURE.
    public const byte LegacyFailure = 30;
    public const byte SshComFailure = 102;

    /// <summary>
    /// The largest message either side accepts: OpenSSH's MAX_AGENT_REPLY_LEN in the client and
    /// AGENT_MAX_LEN in ssh-agent. Reading a length first and refusing more bounds the memory a
    /// hostile agent can make us allocate.
    /// </summary>
    public const int MaxMessageLength = 256 * 1024;

    /// <summary>OpenSSH's MAX_AGENT_IDENTITIES: a longer list is treated as malformed.</summary>
    public const int MaxIdentities = 2048;

    public static bool IsFailure(byte type) => type is Failure or ExtensionFailure or LegacyFailure or SshComFailure;

    public static string Name(byte type) => type switch
    {
        Failure => "SSH_AGENT_FAILURE",
        Success => "SSH_AGENT_SUCCESS",
        RequestIdentities => "SSH_AGENTC_REQUEST_IDENTITIES",
        IdentitiesAnswer => "SSH_AGENT_IDENTITIES_ANSWER",
        SignRequest => "SSH_AGENTC_SIGN_REQUEST",
        SignResponse => "SSH_AGENT_SIGN_RESPONSE",
        ExtensionFailure => "SSH_AGENT_EXTENSION_FAILURE",
        _ => $"message type {type}",
    };

    /// <summary>The framed SSH_AGENTC_REQUEST_IDENTITIES message: it has no fields.</summary>
    public static byte[] EncodeRequestIdentities() => [0, 0, 0, 1, RequestIdentities];

    /// <summary>
    /// The framed SSH_AGENTC_SIGN_REQUEST: string key blob, string data, uint32 flags.
    /// A message the agent would refuse as too long is refused here with a clear error instead.
    /// </summary>
    public static byte[] EncodeSignRequest(ReadOnlySpan<byte> keyBlob, ReadOnlySpan<byte> data, SshAgentSignFlags flags)
    {
        var length = 1L + 4 + keyBlob.Length + 4 + data.Length + 4;
        if (length > MaxMessageLength)
        {
            throw new ArgumentException(
                $"A sign request of {length} bytes exceeds the agent protocol limit of {MaxMessageLength} bytes", nameof(data));
        }

        using var writer = new SshWriter(4 + (int)length);
        writer.WriteUInt32((uint)length);
        writer.WriteByte(SignRequest);
        writer.WriteBinary(keyBlob);
        writer.WriteBinary(data);
        writer.WriteUInt32((uint)flags);
        return writer.ToArray();
    }

    /// <summary>
    /// Decodes the body of SSH_AGENT_IDENTITIES_ANSWER (after the type byte): uint32 nkeys, then
    /// nkeys times (string key blob, string comment). The envelope is decoded strictly; keys this
    /// layer cannot use are left out (see <see cref="SshAgentKey.TryCreate"/>).
    /// </summary>
    public static List<SshAgentKey> DecodeIdentities(ReadOnlySpan<byte> body)
    {
        var reader = new SshReader(body);
        var count = reader.ReadUInt32("number of keys");
        if (count > MaxIdentities)
        {
            throw new SshException($"Malformed SSH_AGENT_IDENTITIES_ANSWER: {count} keys is more than the limit of {MaxIdentities}");
        }

        // Each entry is at least two empty strings; checking first keeps a lying count from
        // sizing the list.
        if (count * 8L > reader.Remaining)
        {
            throw new SshException($"Malformed SSH_AGENT_IDENTITIES_ANSWER: {count} keys cannot fit in {reader.Remaining} bytes");
        }

        var keys = new List<SshAgentKey>((int)count);
        for (var i = 0; i < count; i++)
        {
            var blob = reader.ReadBinary("key blob");
            var comment = reader.ReadBinary("key comment");
            if (SshAgentKey.TryCreate(blob, comment) is { } key)
            {
                keys.Add(key);
            }
        }

        reader.EnsureEnd("SSH_AGENT_IDENTITIES_ANSWER");
        return keys;
    }

    /// <summary>Decodes the body of SSH_AGENT_SIGN_RESPONSE: string signature (the signature blob).</summary>
    public static byte[] DecodeSignResponse(ReadOnlySpan<byte> body)
    {
        var reader = new SshReader(body);
        var signature = reader.ReadBinaryArray("signature");
        reader.EnsureEnd("SSH_AGENT_SIGN_RESPONSE");
        return signature;
    }

    /// <summary>
    /// Splits a signature blob (RFC 4253 section 6.6: string format, string signature) and returns
    /// the format name; malformed blobs raise <see cref="SshException"/>.
    /// </summary>
    public static string ReadSignatureAlgorithm(ReadOnlySpan<byte> signatureBlob)
    {
        var reader = new SshReader(signatureBlob);
        var algorithm = reader.ReadAsciiString("signature algorithm");
        reader.ReadBinary("signature");
        reader.EnsureEnd("signature blob");
        return algorithm;
    }

    /// <summary>The flag that asks an agent for <paramref name="signatureAlgorithm"/> (RFC 8332 algorithms only).</summary>
    public static SshAgentSignFlags FlagsFor(string signatureAlgorithm) => signatureAlgorithm switch
    {
        "rsa-sha2-256" => SshAgentSignFlags.RsaSha256,
        "rsa-sha2-512" => SshAgentSignFlags.RsaSha512,
        _ => SshAgentSignFlags.None,
    };
}
