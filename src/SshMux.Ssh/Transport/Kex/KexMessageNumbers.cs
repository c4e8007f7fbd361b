namespace SshMux.Ssh.Transport.Kex;

/// <summary>
/// Key exchange message numbers. The range 30-49 is method specific (RFC 4250 section 4.1.2),
/// so the same number means different messages in different methods.
/// </summary>
internal static class KexMessageNumbers
{
    /// <summary>SSH_MSG_KEXDH_INIT (RFC 4253 section 8) and SSH_MSG_KEX_ECDH_INIT (RFC 5656 section 7.1).</summary>
    public const byte KexDhInit = 30;

    /// <summary>SSH_MSG_KEXDH_REPLY and SSH_MSG_KEX_ECDH_REPLY.</summary>
    public const byte KexDhReply = 31;

    /// <summary>RFC 4419 section 5: SSH_MSG_KEX_DH_GEX_GROUP shares number 31 with the replies above.</summary>
    public const byte KexDhGexGroup = 31;

    public const byte KexDhGexInit = 32;

    public const byte KexDhGexReply = 33;

    public const byte KexDhGexRequest = 34;
}
