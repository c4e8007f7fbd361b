using System.Buffers.Binary;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Sftp;

/// <summary>
/// An SFTP version 3 client (draft-ietf-secsh-filexfer-02) over the "sftp" subsystem of a
/// session channel, as OpenSSH's sftp speaks it. Every method may run concurrently with the
/// others: requests carry ids and the server may answer them in any order (section 6.1).
/// Failures raise <see cref="SftpException"/> with the server's status code and message.
/// </summary>
public sealed partial class SftpClient : IAsyncDisposable
{
    /// <summary>The protocol version this client speaks (and the one OpenSSH's sftp-server answers).</summary>
    public const uint ProtocolVersion = 3;

    private readonly SftpPacketChannel _packets;

    private SftpClient(SftpPacketChannel packets, uint serverVersion, IReadOnlyList<KeyValuePair<string, string>> extensions)
    {
        _packets = packets;
        ServerVersion = serverVersion;
        Extensions = extensions;
    }

    /// <summary>The version the server answered with (3 for every server we know).</summary>
    public uint ServerVersion { get; }

    /// <summary>Extension pairs of SSH_FXP_VERSION (OpenSSH lists e.g. posix-rename@openssh.com).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Extensions { get; }

    /// <summary>Opens a session channel, starts the "sftp" subsystem and exchanges INIT/VERSION (section 4).</summary>
    public static async Task<SftpClient> OpenAsync(SshConnectionService connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var channel = await connection.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await channel.SendRequestAsync(SessionRequests.Subsystem, true, SessionRequests.EncodeSubsystem("sftp"), cancellationToken).ConfigureAwait(false))
            {
                throw new SftpException(SftpStatusCode.NoConnection, "The server refused the sftp subsystem");
            }

            var packets = new SftpPacketChannel(channel);
            using (var init = new SshWriter(16))
            {
                // INIT has no request id: uint32 length, byte type, uint32 version.
                init.WriteUInt32(5).WriteByte(SftpPacketType.Init).WriteUInt32(ProtocolVersion);
                await packets.SendAsync(init.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }

            using var version = await packets.Version.WaitAsync(cancellationToken).ConfigureAwait(false);
            var (serverVersion, extensions) = ParseVersion(version.Body);
            if (serverVersion < ProtocolVersion)
            {
                throw new SftpException(SftpStatusCode.OpUnsupported, $"The SFTP server speaks version {serverVersion}; ssh-mux needs version {ProtocolVersion}");
            }

            return new SftpClient(packets, serverVersion, extensions);
        }
        catch
        {
            await CloseQuietlyAsync(channel).ConfigureAwait(false);
            throw;
        }
    }

    private static (uint Version, List<KeyValuePair<string, string>> Extensions) ParseVersion(ReadOnlySpan<byte> body)
    {
        try
        {
            var r = new SshReader(body);
            var version = r.ReadUInt32("version");
            List<KeyValuePair<string, string>> extensions = [];
            while (!r.AtEnd)
            {
                extensions.Add(new(r.ReadString("extension name"), System.Text.Encoding.UTF8.GetString(r.ReadBinary("extension data"))));
            }

            return (version, extensions);
        }
        catch (SshException e) when (e is not SftpException)
        {
            throw new SftpException(SftpStatusCode.BadMessage, "Malformed SSH_FXP_VERSION: " + e.Message, e);
        }
    }

    /// <summary>SSH_FXP_OPEN (section 6.3).</summary>
    public async Task<SftpHandle> OpenFileAsync(string path, SftpOpenFlags flags, SftpAttributes? attributes = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var reply = await RequestAsync(SftpPacketType.Open, w =>
        {
            w.WriteString(path).WriteUInt32((uint)flags);
            (attributes ?? SftpAttributes.Empty).WriteTo(w);
        }, cancellationToken).ConfigureAwait(false);
        return ExpectHandle(reply, "open", path);
    }

    /// <summary>SSH_FXP_OPENDIR (section 6.7); read it with <see cref="ReadDirectoryAsync"/>.</summary>
    public async Task<SftpHandle> OpenDirectoryAsync(string path, CancellationToken cancellationToken = default)
    {
        using var reply = await RequestAsync(SftpPacketType.Opendir, w => w.WriteString(path), cancellationToken).ConfigureAwait(false);
        return ExpectHandle(reply, "opendir", path);
    }

    /// <summary>SSH_FXP_CLOSE of a file or directory handle.</summary>
    public async Task CloseAsync(SftpHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var reply = await RequestAsync(SftpPacketType.Close, w => w.WriteBinary(handle.Value), cancellationToken).ConfigureAwait(false);
        ExpectOk(reply, "close", handle.Path);
    }

    /// <summary>SSH_FXP_READ (section 6.4): reads up to <paramref name="buffer"/>'s length at <paramref name="offset"/>; 0 at end of file.</summary>
    public async Task<int> ReadAsync(SftpHandle handle, ulong offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var reply = await SendReadAsync(handle, offset, buffer.Length, cancellationToken).ConfigureAwait(false);
        var length = ExpectData(reply, handle, buffer.Length);
        reply.Body.Slice(4, length).CopyTo(buffer.Span);
        return length;
    }

    /// <summary>SSH_FXP_WRITE (section 6.4) of all of <paramref name="data"/> at <paramref name="offset"/>.</summary>
    public async Task WriteAsync(SftpHandle handle, ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var reply = await RequestAsync(SftpPacketType.Write, w => w.WriteBinary(handle.Value).WriteUInt64(offset).WriteBinary(data.Span), cancellationToken).ConfigureAwait(false);
        ExpectOk(reply, "write", handle.Path);
    }

    /// <summary>SSH_FXP_STAT: follows symbolic links.</summary>
    public Task<SftpAttributes> StatAsync(string path, CancellationToken cancellationToken = default) =>
        PathAttributesAsync(SftpPacketType.Stat, "stat", path, cancellationToken);

    /// <summary>SSH_FXP_LSTAT: does not follow symbolic links.</summary>
    public Task<SftpAttributes> LStatAsync(string path, CancellationToken cancellationToken = default) =>
        PathAttributesAsync(SftpPacketType.Lstat, "lstat", path, cancellationToken);

    /// <summary>SSH_FXP_FSTAT of an open handle.</summary>
    public async Task<SftpAttributes> FStatAsync(SftpHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var reply = await RequestAsync(SftpPacketType.Fstat, w => w.WriteBinary(handle.Value), cancellationToken).ConfigureAwait(false);
        return ExpectAttributes(reply, "fstat", handle.Path);
    }

    /// <summary>SSH_FXP_READDIR (section 6.7): the next batch of entries, or null once the listing is complete.</summary>
    public async Task<IReadOnlyList<SftpDirectoryEntry>?> ReadDirectoryAsync(SftpHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var reply = await RequestAsync(SftpPacketType.Readdir, w => w.WriteBinary(handle.Value), cancellationToken).ConfigureAwait(false);
        return IsEof(reply) ? null : ExpectNames(reply, "readdir", handle.Path);
    }

    /// <summary>Every entry of a directory (including "." and ".." when the server lists them).</summary>
    public async Task<IReadOnlyList<SftpDirectoryEntry>> ListDirectoryAsync(string path, CancellationToken cancellationToken = default)
    {
        var handle = await OpenDirectoryAsync(path, cancellationToken).ConfigureAwait(false);
        List<SftpDirectoryEntry> entries = [];
        try
        {
            while (await ReadDirectoryAsync(handle, cancellationToken).ConfigureAwait(false) is { } batch)
            {
                entries.AddRange(batch);
            }
        }
        finally
        {
            await CloseAsync(handle, cancellationToken).ConfigureAwait(false);
        }

        return entries;
    }

    /// <summary>SSH_FXP_REMOVE of a file.</summary>
    public Task RemoveAsync(string path, CancellationToken cancellationToken = default) =>
        PathStatusAsync(SftpPacketType.Remove, "remove", path, w => w.WriteString(path), cancellationToken);

    /// <summary>SSH_FXP_MKDIR, with the server's default mode unless <paramref name="attributes"/> give one.</summary>
    public Task MakeDirectoryAsync(string path, SftpAttributes? attributes = null, CancellationToken cancellationToken = default) =>
        PathStatusAsync(SftpPacketType.Mkdir, "mkdir", path, w =>
        {
            w.WriteString(path);
            (attributes ?? SftpAttributes.Empty).WriteTo(w);
        }, cancellationToken);

    /// <summary>SSH_FXP_RMDIR of an empty directory.</summary>
    public Task RemoveDirectoryAsync(string path, CancellationToken cancellationToken = default) =>
        PathStatusAsync(SftpPacketType.Rmdir, "rmdir", path, w => w.WriteString(path), cancellationToken);

    /// <summary>SSH_FXP_RENAME (section 6.5). Version 3 servers refuse to replace an existing target.</summary>
    public Task RenameAsync(string oldPath, string newPath, CancellationToken cancellationToken = default) =>
        PathStatusAsync(SftpPacketType.Rename, "rename", $"{oldPath} to {newPath}", w => w.WriteString(oldPath).WriteString(newPath), cancellationToken);

    /// <summary>SSH_FXP_REALPATH (section 6.9): the canonical absolute path ("." gives the login directory).</summary>
    public async Task<string> RealPathAsync(string path, CancellationToken cancellationToken = default)
    {
        using var reply = await RequestAsync(SftpPacketType.Realpath, w => w.WriteString(path), cancellationToken).ConfigureAwait(false);
        var names = ExpectNames(reply, "realpath", path);
        return names.Count == 1
            ? names[0].FileName
            : throw new SftpException(SftpStatusCode.BadMessage, $"SFTP realpath {path}: the server returned {names.Count} names instead of one");
    }

    /// <summary>Sends EOF and closes the channel; the server's sftp-server then exits.</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseQuietlyAsync(_packets.Channel).ConfigureAwait(false);
        await Task.WhenAny(_packets.Completion, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
    }

    private static async ValueTask CloseQuietlyAsync(SshChannel channel)
    {
        try
        {
            await channel.SendEofAsync().ConfigureAwait(false);
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (SshException)
        {
            // The connection is already gone; the channel closed with it.
        }
    }

    // ---- Requests and replies -----------------------------------------------------------------

    private async Task<SftpAttributes> PathAttributesAsync(byte type, string operation, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var reply = await RequestAsync(type, w => w.WriteString(path), cancellationToken).ConfigureAwait(false);
        return ExpectAttributes(reply, operation, path);
    }

    private async Task PathStatusAsync(byte type, string operation, string what, Action<SshWriter> body, CancellationToken cancellationToken)
    {
        using var reply = await RequestAsync(type, body, cancellationToken).ConfigureAwait(false);
        ExpectOk(reply, operation, what);
    }

    /// <summary>Builds uint32 length, type, id and <paramref name="body"/>, sends it and waits for the reply.</summary>
    private async Task<SftpResponse> RequestAsync(byte type, Action<SshWriter> body, CancellationToken cancellationToken)
    {
        var id = _packets.NextId();
        Task<SftpResponse> reply;
        using (var w = new SshWriter())
        {
            w.WriteUInt32(0).WriteByte(type).WriteUInt32(id);
            body(w);
            BinaryPrimitives.WriteUInt32BigEndian(w.GetWritableSpan(0, 4), (uint)(w.Length - 4));
            reply = _packets.Register(id);
            await _packets.SendAsync(w.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }

        return await reply.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task<SftpResponse> SendReadAsync(SftpHandle handle, ulong offset, int length, CancellationToken cancellationToken) =>
        RequestAsync(SftpPacketType.Read, w => w.WriteBinary(handle.Value).WriteUInt64(offset).WriteUInt32((uint)length), cancellationToken);

    private static bool IsEof(SftpResponse reply) =>
        reply.Type == SftpPacketType.Status && reply.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(reply.Body) == (uint)SftpStatusCode.Eof;

    /// <summary>The length of an SSH_FXP_DATA reply's data (which starts 4 bytes into the body), or 0 at end of file.</summary>
    private static int ExpectData(SftpResponse reply, SftpHandle handle, int requested)
    {
        if (IsEof(reply))
        {
            return 0;
        }

        Expect(reply, SftpPacketType.Data, "read", handle.Path);
        var length = Parse(reply, "read", handle.Path, (ref SshReader r) => r.ReadBinary("data").Length);
        return length <= requested
            ? length
            : throw new SftpException(SftpStatusCode.BadMessage, $"SFTP read {handle.Path}: the server returned {length} bytes for a read of {requested}");
    }

    private static SftpHandle ExpectHandle(SftpResponse reply, string operation, string path)
    {
        Expect(reply, SftpPacketType.Handle, operation, path);
        var value = Parse(reply, operation, path, (ref SshReader r) => r.ReadBinaryArray("handle"));
        return value.Length <= 256
            ? new SftpHandle(value, path)
            : throw new SftpException(SftpStatusCode.BadMessage, $"SFTP {operation} {path}: the server's handle is {value.Length} bytes (at most 256 are allowed)");
    }

    private static SftpAttributes ExpectAttributes(SftpResponse reply, string operation, string path)
    {
        Expect(reply, SftpPacketType.Attrs, operation, path);
        return Parse(reply, operation, path, (ref SshReader r) => SftpAttributes.Read(ref r));
    }

    private static List<SftpDirectoryEntry> ExpectNames(SftpResponse reply, string operation, string path)
    {
        Expect(reply, SftpPacketType.Name, operation, path);
        return Parse(reply, operation, path, (ref SshReader r) =>
        {
            var count = r.ReadUInt32("count");
            if (count > r.Remaining / 12)
            {
                throw new SftpException(SftpStatusCode.BadMessage, $"SFTP {operation} {path}: the server claims {count} names in {r.Remaining} bytes");
            }

            var names = new List<SftpDirectoryEntry>((int)count);
            for (var i = 0; i < count; i++)
            {
                names.Add(new SftpDirectoryEntry(r.ReadString("filename"), r.ReadString("longname"), SftpAttributes.Read(ref r)));
            }

            return names;
        });
    }

    private static void ExpectOk(SftpResponse reply, string operation, string path)
    {
        Expect(reply, SftpPacketType.Status, operation, path);
    }

    /// <summary>Throws the server's status as an <see cref="SftpException"/> unless it is the reply expected (or SSH_FX_OK for a status).</summary>
    private static void Expect(SftpResponse reply, byte expected, string operation, string path)
    {
        if (reply.Type == SftpPacketType.Status)
        {
            var (code, message) = Parse(reply, operation, path, (ref SshReader r) =>
            {
                var code = (SftpStatusCode)r.ReadUInt32("status code");

                // Version 3 adds message and language; some old servers send only the code.
                var message = r.AtEnd ? string.Empty : System.Text.Encoding.UTF8.GetString(r.ReadBinary("error message"));
                return (code, VersionExchange.Printable(message, 300));
            });
            if (code == SftpStatusCode.Ok && expected == SftpPacketType.Status)
            {
                return;
            }

            var text = message.Length > 0 ? message : SftpException.Describe(code);
            throw new SftpException(code, $"SFTP {operation} {path} failed: {text} ({SftpException.Describe(code)})") { ServerMessage = message };
        }

        if (reply.Type != expected)
        {
            throw new SftpException(SftpStatusCode.BadMessage, $"SFTP {operation} {path}: the server answered with {SftpPacketType.Describe(reply.Type)} instead of {SftpPacketType.Describe(expected)}");
        }
    }

    private delegate T ReplyParser<T>(ref SshReader reader);

    private static T Parse<T>(SftpResponse reply, string operation, string path, ReplyParser<T> parse)
    {
        try
        {
            var r = new SshReader(reply.Body);
            return parse(ref r);
        }
        catch (SshException e) when (e is not SftpException)
        {
            throw new SftpException(SftpStatusCode.BadMessage, $"SFTP {operation} {path}: malformed {SftpPacketType.Describe(reply.Type)}: {e.Message}", e);
        }
    }
}
