using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Sftp;

/// <summary>
/// File attributes of SFTP version 3 (draft-ietf-secsh-filexfer-02 section 5): every field is
/// optional, and only those present are sent.
/// </summary>
public sealed record SftpAttributes
{
    private const uint SizeFlag = 0x1;
    private const uint UidGidFlag = 0x2;
    private const uint PermissionsFlag = 0x4;
    private const uint AcModTimeFlag = 0x8;
    private const uint ExtendedFlag = 0x80000000;

    /// <summary>Attributes with no field set (what OPEN and MKDIR send when the server should choose).</summary>
    public static readonly SftpAttributes Empty = new();

    public ulong? Size { get; init; }

    public uint? Uid { get; init; }

    public uint? Gid { get; init; }

    /// <summary>POSIX mode bits including the file type (S_IFMT), as stat(2) returns them.</summary>
    public uint? Permissions { get; init; }

    /// <summary>Access time in seconds since 1970 (sent together with <see cref="ModifyTime"/>).</summary>
    public uint? AccessTime { get; init; }

    public uint? ModifyTime { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Extended { get; init; } = [];

    public bool IsDirectory => (Permissions & 0xF000) == 0x4000;

    public bool IsRegularFile => (Permissions & 0xF000) == 0x8000;

    public bool IsSymbolicLink => (Permissions & 0xF000) == 0xA000;

    internal void WriteTo(SshWriter writer)
    {
        var flags = (Size is null ? 0 : SizeFlag)
            | (Uid is null || Gid is null ? 0 : UidGidFlag)
            | (Permissions is null ? 0 : PermissionsFlag)
            | (AccessTime is null || ModifyTime is null ? 0 : AcModTimeFlag)
            | (Extended.Count == 0 ? 0 : ExtendedFlag);
        writer.WriteUInt32(flags);
        if (Size is { } size)
        {
            writer.WriteUInt64(size);
        }

        if ((flags & UidGidFlag) != 0)
        {
            writer.WriteUInt32(Uid!.Value).WriteUInt32(Gid!.Value);
        }

        if (Permissions is { } permissions)
        {
            writer.WriteUInt32(permissions);
        }

        if ((flags & AcModTimeFlag) != 0)
        {
            writer.WriteUInt32(AccessTime!.Value).WriteUInt32(ModifyTime!.Value);
        }

        if (Extended.Count > 0)
        {
            writer.WriteUInt32((uint)Extended.Count);
            foreach (var (type, data) in Extended)
            {
                writer.WriteString(type).WriteString(data);
            }
        }
    }

    internal static SftpAttributes Read(ref SshReader reader)
    {
        var flags = reader.ReadUInt32("attribute flags");
        ulong? size = (flags & SizeFlag) != 0 ? reader.ReadUInt64("size") : null;
        uint? uid = null;
        uint? gid = null;
        if ((flags & UidGidFlag) != 0)
        {
            uid = reader.ReadUInt32("uid");
            gid = reader.ReadUInt32("gid");
        }

        uint? permissions = (flags & PermissionsFlag) != 0 ? reader.ReadUInt32("permissions") : null;
        uint? atime = null;
        uint? mtime = null;
        if ((flags & AcModTimeFlag) != 0)
        {
            atime = reader.ReadUInt32("atime");
            mtime = reader.ReadUInt32("mtime");
        }

        List<KeyValuePair<string, string>> extended = [];
        if ((flags & ExtendedFlag) != 0)
        {
            var count = reader.ReadUInt32("extended count");

            // Each pair takes at least 8 bytes, so a count beyond what remains is a lie.
            if (count > reader.Remaining / 8)
            {
                throw new SftpException(SftpStatusCode.BadMessage, $"The server's attributes claim {count} extended pairs in {reader.Remaining} bytes");
            }

            for (var i = 0; i < count; i++)
            {
                extended.Add(new(reader.ReadString("extended type"), reader.ReadString("extended data")));
            }
        }

        return new SftpAttributes { Size = size, Uid = uid, Gid = gid, Permissions = permissions, AccessTime = atime, ModifyTime = mtime, Extended = extended };
    }
}

/// <summary>One SSH_FXP_NAME entry: a file name, the ls -l style line (servers vary) and its attributes.</summary>
public sealed record SftpDirectoryEntry(string FileName, string LongName, SftpAttributes Attributes);

/// <summary>An open file or directory handle: opaque bytes the server chose (at most 256, section 6.2).</summary>
public sealed class SftpHandle
{
    internal SftpHandle(byte[] value, string path)
    {
        Value = value;
        Path = path;
    }

    internal byte[] Value { get; }

    /// <summary>The path it was opened with, for error messages.</summary>
    public string Path { get; }

    public override string ToString() => $"handle for {Path}";
}
