namespace SshMux.Ssh.Sftp;

/// <summary>Packet types of SFTP version 3 (draft-ietf-secsh-filexfer-02 section 3).</summary>
internal static class SftpPacketType
{
    public const byte Init = 1;
    public const byte Version = 2;
    public const byte Open = 3;
    public const byte Close = 4;
    public const byte Read = 5;
    public const byte Write = 6;
    public const byte Lstat = 7;
    public const byte Fstat = 8;
    public const byte Setstat = 9;
    public const byte Fsetstat = 10;
    public const byte Opendir = 11;
    public const byte Readdir = 12;
    public const byte Remove = 13;
    public const byte Mkdir = 14;
    public const byte Rmdir = 15;
    public const byte Realpath = 16;
    public const byte Stat = 17;
    public const byte Rename = 18;
    public const byte Readlink = 19;
    public const byte Symlink = 20;
    public const byte Status = 101;
    public const byte Handle = 102;
    public const byte Data = 103;
    public const byte Name = 104;
    public const byte Attrs = 105;
    public const byte Extended = 200;
    public const byte ExtendedReply = 201;

    public static string Describe(byte type) => type switch
    {
        Status => "SSH_FXP_STATUS",
        Handle => "SSH_FXP_HANDLE",
        Data => "SSH_FXP_DATA",
        Name => "SSH_FXP_NAME",
        Attrs => "SSH_FXP_ATTRS",
        Version => "SSH_FXP_VERSION",
        ExtendedReply => "SSH_FXP_EXTENDED_REPLY",
        _ => $"packet type {type}",
    };
}

/// <summary>SSH_FXP_STATUS error codes (draft-ietf-secsh-filexfer-02 section 7).</summary>
public enum SftpStatusCode : uint
{
    Ok = 0,
    Eof = 1,
    NoSuchFile = 2,
    PermissionDenied = 3,
    Failure = 4,
    BadMessage = 5,
    NoConnection = 6,
    ConnectionLost = 7,
    OpUnsupported = 8,
}

/// <summary>SSH_FXF_* flags of SSH_FXP_OPEN (draft-ietf-secsh-filexfer-02 section 6.3).</summary>
[Flags]
public enum SftpOpenFlags : uint
{
    None = 0,
    Read = 0x01,
    Write = 0x02,
    Append = 0x04,
    Create = 0x08,
    Truncate = 0x10,
    Exclusive = 0x20,
}
