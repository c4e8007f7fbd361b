using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace SshMux.Ssh.Wire;

/// <summary>
/// Builds RFC 4251 encoded data into a growable buffer rented from the shared pool.
/// Dispose returns the buffer (after zeroing it when <see cref="Sensitive"/> is set).
/// </summary>
public sealed class SshWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public SshWriter(int initialCapacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16, initialCapacity));
    }

    /// <summary>When true the buffer is zeroed before it goes back to the pool (key material).</summary>
    public bool Sensitive { get; set; }

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void Reset()
    {
        if (Sensitive)
        {
            _buffer.AsSpan(0, _length).Clear();
        }

        _length = 0;
    }

    /// <summary>Returns a span of <paramref name="count"/> bytes at the end and advances past it.</summary>
    public Span<byte> Reserve(int count)
    {
        EnsureCapacity(count);
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    /// <summary>Shrinks the written length (used to drop reserved space that was not used).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _length);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _length = length;
    }

    public Span<byte> GetWritableSpan(int offset, int count) => _buffer.AsSpan(offset, count);

    private void EnsureCapacity(int extra)
    {
        if (_buffer.Length - _length >= extra)
        {
            return;
        }

        var newSize = Math.Max(_buffer.Length * 2, checked(_length + extra));
        var next = ArrayPool<byte>.Shared.Rent(newSize);
        _buffer.AsSpan(0, _length).CopyTo(next);
        if (Sensitive)
        {
            _buffer.AsSpan(0, _length).Clear();
        }

        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }

    public SshWriter WriteByte(byte value)
    {
        Reserve(1)[0] = value;
        return this;
    }

    public SshWriter WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public SshWriter WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);
        return this;
    }

    public SshWriter WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(Reserve(8), value);
        return this;
    }

    public SshWriter WriteRaw(ReadOnlySpan<byte> data)
    {
        data.CopyTo(Reserve(data.Length));
        return this;
    }

    /// <summary>Writes a length-prefixed string of raw bytes.</summary>
    public SshWriter WriteBinary(ReadOnlySpan<byte> data)
    {
        WriteUInt32((uint)data.Length);
        return WriteRaw(data);
    }

    public SshWriter WriteString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteUInt32((uint)count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
        return this;
    }

    public SshWriter WriteNameList(IEnumerable<string> names) => WriteString(string.Join(',', names));

    /// <summary>Writes an mpint from an unsigned big-endian magnitude (leading zeros are stripped, a sign byte added when needed).</summary>
    public SshWriter WriteUnsignedMPInt(ReadOnlySpan<byte> magnitude)
    {
        var start = 0;
        while (start < magnitude.Length && magnitude[start] == 0)
        {
            start++;
        }

        var value = magnitude[start..];
        var pad = value.Length > 0 && (value[0] & 0x80) != 0;
        WriteUInt32((uint)(value.Length + (pad ? 1 : 0)));
        if (pad)
        {
            WriteByte(0);
        }

        return WriteRaw(value);
    }

    public SshWriter WriteMPInt(BigInteger value)
    {
        if (value.IsZero)
        {
            return WriteUInt32(0);
        }

        var count = value.GetByteCount(isUnsigned: false);
        WriteUInt32((uint)count);
        value.TryWriteBytes(Reserve(count), out _, isUnsigned: false, isBigEndian: true);
        return this;
    }

    public void Dispose()
    {
        if (_buffer.Length == 0)
        {
            return;
        }

        if (Sensitive)
        {
            _buffer.AsSpan(0, _length).Clear();
        }

        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
    }
}
