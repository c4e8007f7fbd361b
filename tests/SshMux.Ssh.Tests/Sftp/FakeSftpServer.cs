using System.Buffers.Binary;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Sftp;

/// <summary>One request as the fake server received it: type, id and the bytes after the id.</summary>
public sealed record SftpRequest(byte Type, uint Id, byte[] Body);

/// <summary>
/// A scripted SFTP server on the server side of a <see cref="Support.ConnectionPair"/>: it
/// accepts the sftp subsystem (or refuses it), answers INIT with <see cref="VersionReply"/>,
/// and sends whatever raw packets <see cref="Respond"/> returns for each request, so tests
/// can send malformed, misdirected or reordered replies. Requests are answered concurrently
/// after <see cref="Delay"/>, so replies may overtake each other.
/// </summary>
public sealed class FakeSftpServer
{
    private readonly SemaphoreSlim _send = new(1, 1);

    public FakeSftpServer(SshConnectionService server) =>
        server.ChannelOpenHandler = (open, _) => Task.FromResult(ChannelOpenDecision.Accept(RunAsync));

    public bool AcceptSubsystem { get; init; } = true;

    public byte[] VersionReply { get; init; } = Packet(2, w => w.WriteUInt32(3));

    public required Func<SftpRequest, IEnumerable<byte[]>> Respond { get; init; }

    public Func<SftpRequest, TimeSpan> Delay { get; init; } = _ => TimeSpan.Zero;

    /// <summary>A packet: uint32 length, byte type, then what <paramref name="body"/> writes.</summary>
    public static byte[] Packet(byte type, Action<SshWriter> body)
    {
        using var w = new SshWriter();
        w.WriteUInt32(0).WriteByte(type);
        body(w);
        BinaryPrimitives.WriteUInt32BigEndian(w.GetWritableSpan(0, 4), (uint)(w.Length - 4));
        return w.ToArray();
    }

    public static byte[] Status(uint id, uint code, string message) =>
        Packet(101, w => w.WriteUInt32(id).WriteUInt32(code).WriteString(message).WriteString("en"));

    public static byte[] Handle(uint id, string handle) => Packet(102, w => w.WriteUInt32(id).WriteString(handle));

    public static byte[] Data(uint id, ReadOnlySpan<byte> data)
    {
        using var w = new SshWriter(data.Length + 16);
        w.WriteUInt32((uint)(data.Length + 9)).WriteByte(103).WriteUInt32(id).WriteBinary(data);
        return w.ToArray();
    }

    private async Task RunAsync(SshChannel channel)
    {
        var buffer = new MemoryStream();
        var inFlight = new List<Task>();
        while (true)
        {
            var e = await channel.ReadEventAsync();
            switch (e.Kind)
            {
                case ChannelEventKind.Request when e.RequestType == SessionRequests.Subsystem:
                    await channel.ReplyAsync(AcceptSubsystem);
                    break;
                case ChannelEventKind.Request when e.WantReply:
                    await channel.ReplyAsync(false);
                    break;
                case ChannelEventKind.Data:
                    buffer.Write(e.Data.Span);
                    channel.Release(e);
                    foreach (var request in TakePackets(buffer))
                    {
                        if (request.Type == 1)
                        {
                            await SendAsync(channel, [VersionReply]);
                            continue;
                        }

                        inFlight.Add(Task.Run(async () =>
                        {
                            await Task.Delay(Delay(request));
                            await SendAsync(channel, Respond(request));
                        }));
                    }

                    break;
                case ChannelEventKind.Eof or ChannelEventKind.Closed:
                    await Task.WhenAll(inFlight);
                    await channel.CloseAsync();
                    return;
            }
        }
    }

    private async Task SendAsync(SshChannel channel, IEnumerable<byte[]> packets)
    {
        await _send.WaitAsync();
        try
        {
            foreach (var packet in packets)
            {
                await channel.SendDataAsync(packet);
            }
        }
        catch (SshException)
        {
            // The client closed the channel on a reply it refused: what the test wanted.
        }
        finally
        {
            _send.Release();
        }
    }

    private static List<SftpRequest> TakePackets(MemoryStream buffer)
    {
        var requests = new List<SftpRequest>();
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var start = 0;
        while (bytes.Length - start >= 4)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes[start..]);
            if (bytes.Length - start - 4 < length)
            {
                break;
            }

            var packet = bytes.Slice(start + 4, length);
            requests.Add(packet[0] == 1
                ? new SftpRequest(1, 0, packet[1..].ToArray())
                : new SftpRequest(packet[0], BinaryPrimitives.ReadUInt32BigEndian(packet[1..]), packet[5..].ToArray()));
            start += 4 + length;
        }

        var rest = bytes[start..].ToArray();
        buffer.SetLength(0);
        buffer.Write(rest);
        return requests;
    }
}
