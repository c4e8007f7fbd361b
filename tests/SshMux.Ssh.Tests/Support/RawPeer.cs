using System.Buffers.Binary;
using System.Text;
using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Transport.Messages;

namespace SshMux.Ssh.Tests.Support;

/// <summary>
/// A hand-driven peer for hostile-input tests: it writes exactly the bytes a test wants,
/// framing unencrypted packets itself (valid only before the first NEWKEYS).
/// </summary>
public sealed class RawPeer(Stream stream) : IAsyncDisposable
{
    public Stream Stream => stream;

    public Task SendLineAsync(string line) => stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n")).AsTask();

    public Task SendBytesAsync(byte[] bytes) => stream.WriteAsync(bytes).AsTask();

    /// <summary>Frames a payload as an unencrypted packet, optionally with a forced padding length or packet length.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload, int? paddingLength = null, uint? packetLengthOverride = null)
    {
        var padding = paddingLength ?? (8 - ((5 + payload.Length) % 8));
        if (paddingLength is null && padding < 4)
        {
            padding += 8;
        }

        var packetLength = 1 + payload.Length + padding;
        var bytes = new byte[4 + packetLength];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, packetLengthOverride ?? (uint)packetLength);
        bytes[4] = (byte)padding;
        payload.CopyTo(bytes.AsSpan(5));
        return bytes;
    }

    public Task SendPacketAsync(ReadOnlySpan<byte> payload) => SendBytesAsync(Frame(payload));

    public static byte[] KexInit(bool client, bool strict = true, bool firstKexPacketFollows = false, IReadOnlyList<string>? kex = null) => new KexInitMessage
    {
        KexAlgorithms = [.. kex ?? AlgorithmRegistry.KeyExchanges, .. strict ? [client ? AlgorithmRegistry.StrictKexClient : AlgorithmRegistry.StrictKexServer] : Array.Empty<string>()],
        ServerHostKeyAlgorithms = AlgorithmRegistry.DefaultHostKeyAlgorithms,
        EncryptionClientToServer = AlgorithmRegistry.DefaultCiphers,
        EncryptionServerToClient = AlgorithmRegistry.DefaultCiphers,
        MacClientToServer = AlgorithmRegistry.DefaultMacs,
        MacServerToClient = AlgorithmRegistry.DefaultMacs,
        FirstKexPacketFollows = firstKexPacketFollows,
    }.ToPayload();

    /// <summary>Reads and discards whatever the other side sends, so it never blocks on a full pipe.</summary>
    public Task DrainAsync(CancellationToken cancellationToken) => Task.Run(async () =>
    {
        var buffer = new byte[8192];
        try
        {
            while (await stream.ReadAsync(buffer, cancellationToken) > 0)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }, CancellationToken.None);

    public ValueTask DisposeAsync() => stream.DisposeAsync();
}

/// <summary>A stream wrapper that can corrupt or record the bytes flowing through it.</summary>
public sealed class TamperStream(Stream inner) : Stream
{
    private long _readOffset;

    /// <summary>Called for every chunk read: (offset of the chunk in the read stream, chunk) so a test can alter it.</summary>
    public Action<long, Memory<byte>>? OnRead { get; set; }

    public MemoryStream? ReadRecording { get; set; }

    public MemoryStream? WriteRecording { get; set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        if (n > 0)
        {
            OnRead?.Invoke(_readOffset, buffer[..n]);
            ReadRecording?.Write(buffer.Span[..n]);
            _readOffset += n;
        }

        return n;
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        WriteRecording?.Write(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
