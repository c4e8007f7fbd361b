using System.Buffers.Binary;
using System.Security.Cryptography;
using SshMux.Ssh.Sftp;
using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Sftp;

/// <summary>
/// The SFTP client against a scripted server: replies out of order and short reads still give
/// the exact file, and malformed or misdirected replies give a clear <see cref="SftpException"/>
/// instead of a hang. Real servers are in SshMux.Interop.Tests/Sftp.
/// </summary>
public class SftpClientTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>A file served from memory: OPEN, READ (at most <paramref name="maxRead"/> bytes), WRITE, CLOSE.</summary>
    private static IEnumerable<byte[]> FileServer(SftpRequest request, byte[] content, MemoryStream written, int maxRead)
    {
        var r = new SshReader(request.Body);
        switch (request.Type)
        {
            case 3: // OPEN
                return [FakeSftpServer.Handle(request.Id, "h1")];
            case 5: // READ: handle, offset, length
                r.ReadBinary();
                var offset = r.ReadUInt64();
                var length = (int)Math.Min(r.ReadUInt32(), (uint)maxRead);
                return offset >= (ulong)content.Length
                    ? [FakeSftpServer.Status(request.Id, 1, "EOF")]
                    : [FakeSftpServer.Data(request.Id, content.AsSpan((int)offset, Math.Min(length, content.Length - (int)offset)))];
            case 6: // WRITE: handle, offset, data
                r.ReadBinary();
                var at = (long)r.ReadUInt64();
                var data = r.ReadBinary();
                lock (written)
                {
                    if (written.Length < at + data.Length)
                    {
                        written.SetLength(at + data.Length);
                    }

                    written.Position = at;
                    written.Write(data);
                }

                return [FakeSftpServer.Status(request.Id, 0, string.Empty)];
            default:
                return [FakeSftpServer.Status(request.Id, 0, string.Empty)];
        }
    }

    [Theory]
    [InlineData(32 * 1024, 3 * 1024 * 1024)]  // whole chunks
    [InlineData(1000, 256 * 1024)]             // every read short: the gaps are filled in order
    public async Task ReordersAndShortReadsStillGiveTheExactFile(int maxRead, int size)
    {
        await using var pair = await ConnectionPair.StartAsync();
        var content = RandomNumberGenerator.GetBytes(size + 777);
        var written = new MemoryStream();
        _ = new FakeSftpServer(pair.Server)
        {
            Respond = r => FileServer(r, content, written, maxRead),
            Delay = _ => TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(3)),
        };
        await using var sftp = await SftpClient.OpenAsync(pair.Client).WaitAsync(Limit);

        var downloaded = new MemoryStream();
        Assert.Equal(content.Length, await sftp.DownloadAsync("/file", downloaded, new SftpTransferOptions { MaxOutstanding = 16 }).WaitAsync(Limit));
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(downloaded.ToArray()));

        Assert.Equal(content.Length, await sftp.UploadAsync(new MemoryStream(content), "/copy").WaitAsync(Limit));
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(written.ToArray()));
    }

    [Fact]
    public async Task StatusCodesBecomeSftpExceptionsWithTheServersText()
    {
        await using var pair = await ConnectionPair.StartAsync();
        _ = new FakeSftpServer(pair.Server) { Respond = r => [FakeSftpServer.Status(r.Id, 3, "no entry for you\u001b[31m")] };
        await using var sftp = await SftpClient.OpenAsync(pair.Client).WaitAsync(Limit);
        var e = await Assert.ThrowsAsync<SftpException>(() => sftp.RemoveAsync("/etc/passwd").WaitAsync(Limit));
        Assert.Equal(SftpStatusCode.PermissionDenied, e.Code);
        Assert.DoesNotContain("\u001b", e.ServerMessage, StringComparison.Ordinal);
        Assert.StartsWith("SFTP remove /etc/passwd failed: no entry for you", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("(SSH_FX_PERMISSION_DENIED)", e.Message, StringComparison.Ordinal);

        // The session goes on after a failed request.
        await Assert.ThrowsAsync<SftpException>(() => sftp.MakeDirectoryAsync("/x").WaitAsync(Limit));
    }

    [Fact]
    public async Task ARefusedSubsystemIsNamed()
    {
        await using var pair = await ConnectionPair.StartAsync();
        _ = new FakeSftpServer(pair.Server) { AcceptSubsystem = false, Respond = _ => [] };
        var e = await Assert.ThrowsAsync<SftpException>(() => SftpClient.OpenAsync(pair.Client).WaitAsync(Limit));
        Assert.Equal(SftpStatusCode.NoConnection, e.Code);
        Assert.Contains("refused the sftp subsystem", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOlderProtocolVersionIsRefused()
    {
        await using var pair = await ConnectionPair.StartAsync();
        _ = new FakeSftpServer(pair.Server) { VersionReply = FakeSftpServer.Packet(2, w => w.WriteUInt32(2)), Respond = _ => [] };
        var e = await Assert.ThrowsAsync<SftpException>(() => SftpClient.OpenAsync(pair.Client).WaitAsync(Limit));
        Assert.Equal(SftpStatusCode.OpUnsupported, e.Code);
        Assert.Contains("version 2", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadReplies => new()
    {
        { "unknown-id", "not waiting for a reply" },
        { "huge", "limit" },
        { "wrong-type", "instead of SSH_FXP_ATTRS" },
        { "truncated-attrs", "malformed SSH_FXP_ATTRS" },
        { "lying-count", "extended pairs" },
        { "no-id", "without a request id" },
    };

    /// <summary>Every bad reply fails the waiting request with BadMessage and a reason; a stream out of step fails the session.</summary>
    [Theory]
    [MemberData(nameof(BadReplies))]
    public async Task BadRepliesFailClearly(string kind, string expected)
    {
        await using var pair = await ConnectionPair.StartAsync();
        _ = new FakeSftpServer(pair.Server)
        {
            Respond = r => kind switch
            {
                "unknown-id" => [FakeSftpServer.Status(r.Id + 1000, 0, string.Empty)],
                "huge" => [[0x7f, 0xff, 0xff, 0xff, 105]],
                "wrong-type" => [FakeSftpServer.Handle(r.Id, "h")],
                "truncated-attrs" => [FakeSftpServer.Packet(105, w => w.WriteUInt32(r.Id).WriteUInt32(1).WriteUInt32(7))],
                "lying-count" => [FakeSftpServer.Packet(105, w => w.WriteUInt32(r.Id).WriteUInt32(0x80000000).WriteUInt32(1_000_000))],
                _ => [FakeSftpServer.Packet(105, w => w.WriteByte(1))],
            },
        };
        await using var sftp = await SftpClient.OpenAsync(pair.Client).WaitAsync(Limit);
        var e = await Assert.ThrowsAsync<SftpException>(() => sftp.StatAsync("/file").WaitAsync(Limit));
        Assert.True(e.Code is SftpStatusCode.BadMessage, e.ToString());
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheServerClosingFailsEveryWaitingRequest()
    {
        await using var pair = await ConnectionPair.StartAsync();
        _ = new FakeSftpServer(pair.Server) { Respond = _ => [], Delay = _ => TimeSpan.FromMinutes(10) };
        await using var sftp = await SftpClient.OpenAsync(pair.Client).WaitAsync(Limit);
        var waiting = Enumerable.Range(0, 5).Select(i => sftp.StatAsync($"/f{i}")).ToArray();
        await pair.Transports.Server.DisposeAsync();
        foreach (var request in waiting)
        {
            var e = await Assert.ThrowsAsync<SftpException>(() => request.WaitAsync(Limit));
            Assert.Equal(SftpStatusCode.ConnectionLost, e.Code);
        }
    }

    [Fact]
    public void AttributesRoundTrip()
    {
        var attributes = new SftpAttributes
        {
            Size = 1UL << 40, Uid = 1000, Gid = 100, Permissions = 0x41ED, AccessTime = 1, ModifyTime = 2,
            Extended = [new("a@example.com", "b")],
        };
        using var w = new SshWriter();
        attributes.WriteTo(w);
        Assert.Equal(0x8000000Fu, BinaryPrimitives.ReadUInt32BigEndian(w.WrittenSpan));
        var r = new SshReader(w.WrittenSpan);
        var back = SftpAttributes.Read(ref r);
        Assert.True(r.AtEnd);
        Assert.Equal(attributes.Size, back.Size);
        Assert.Equal((attributes.Uid, attributes.Gid, attributes.Permissions, attributes.AccessTime, attributes.ModifyTime), (back.Uid, back.Gid, back.Permissions, back.AccessTime, back.ModifyTime));
        Assert.Equal(attributes.Extended, back.Extended);
        Assert.True(back.IsDirectory);
    }
}
