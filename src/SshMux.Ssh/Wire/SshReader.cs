using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace SshMux.Ssh.Wire;

/// <summary>
/// Reads RFC 4251 section 5 data types from a buffer. Every read is bounds-checked and a
/// short buffer raises <see cref="SshException"/> naming the field, never an index error.
/// Decoders call <see cref="EnsureEnd"/> so trailing garbage is rejected.
/// </summary>
public ref struct SshReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public SshReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public readonly bool AtEnd => _position == _buffer.Length;

    public readonly ReadOnlySpan<byte> RemainingSpan => _buffer[_position..];

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count < 0 || count > _buffer.Length - _position)
        {
            throw new SshException(DisconnectReason.ProtocolError,
                $"Malformed message: {field} needs {count} bytes but only {_buffer.Length - _position} remain");
        }

        var span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }

    public byte ReadByte(string field = "byte") => Take(1, field)[0];

    public bool ReadBoolean(string field = "boolean") => Take(1, field)[0] != 0;

    public uint ReadUInt32(string field = "uint32") => BinaryPrimitives.ReadUInt32BigEndian(Take(4, field));

    public ulong ReadUInt64(string field = "uint64") => BinaryPrimitives.ReadUInt64BigEndian(Take(8, field));

    /// <summary>Reads a length-prefixed string as raw bytes (the slice aliases the buffer).</summary>
    public ReadOnlySpan<byte> ReadBinary(string field = "string")
    {
        var len = ReadUInt32(field + " length");
        if (len > int.MaxValue)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Malformed message: {field} length {len} is too large");
        }

        return Take((int)len, field);
    }

    public byte[] ReadBinaryArray(string field = "string") => ReadBinary(field).ToArray();

    /// <summary>Reads a string that must be valid UTF-8 (RFC 4251: ISO-10646 UTF-8 text).</summary>
    public string ReadString(string field = "string")
    {
        var bytes = ReadBinary(field);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Malformed message: {field} is not valid UTF-8", e);
        }
    }

    /// <summary>Reads an ASCII string such as an algorithm name; non-ASCII bytes are rejected.</summary>
    public string ReadAsciiString(string field = "string")
    {
        var bytes = ReadBinary(field);
        foreach (var b in bytes)
        {
            if (b is < 0x20 or > 0x7e)
            {
                throw new SshException(DisconnectReason.ProtocolError, $"Malformed message: {field} has a non-printable byte 0x{b:x2}");
            }
        }

        return Encoding.ASCII.GetString(bytes);
    }

    /// <summary>Reads a name-list (RFC 4251 section 5): comma separated, no empty names.</summary>
    public string[] ReadNameList(string field = "name-list")
    {
        var text = ReadAsciiString(field);
        if (text.Length == 0)
        {
            return [];
        }

        var names = text.Split(',');
        foreach (var name in names)
        {
            if (name.Length == 0 || name.Length > 64)
            {
                throw new SshException(DisconnectReason.ProtocolError, $"Malformed message: {field} has an empty or over-long name");
            }
        }

        return names;
    }

    /// <summary>Reads an mpint and returns its bytes in two's complement, big-endian form (as on the wire).</summary>
    public ReadOnlySpan<byte> ReadMPIntBytes(string field = "mpint")
    {
        var data = ReadBinary(field);
        if (data.Length > 1 && ((data[0] == 0 && (data[1] & 0x80) == 0) || (data[0] == 0xff && (data[1] & 0x80) != 0)))
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Malformed message: {field} has unnecessary leading bytes");
        }

        return data;
    }

    public BigInteger ReadMPInt(string field = "mpint") => new(ReadMPIntBytes(field), isUnsigned: false, isBigEndian: true);

    /// <summary>
    /// Reads a non-negative mpint and returns its magnitude without the sign byte
    /// (what RSA parameters and ECDSA signature components want).
    /// </summary>
    public ReadOnlySpan<byte> ReadUnsignedMPInt(string field = "mpint")
    {
        var data = ReadMPIntBytes(field);
        if (data.Length > 0 && (data[0] & 0x80) != 0)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Malformed message: {field} is negative");
        }

        return data.Length > 0 && data[0] == 0 ? data[1..] : data;
    }

    public ReadOnlySpan<byte> ReadBytes(int count, string field = "bytes") => Take(count, field);

    public void Skip(int count, string field = "bytes") => Take(count, field);

    /// <summary>Rejects trailing bytes after the last expected field.</summary>
    public readonly void EnsureEnd(string what)
    {
        if (_position != _buffer.Length)
        {
            throw new SshException(DisconnectReason.ProtocolError,
                $"Malformed {what}: {_buffer.Length - _position} unexpected trailing bytes");
        }
    }

    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
