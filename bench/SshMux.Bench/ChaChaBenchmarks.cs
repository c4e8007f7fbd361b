using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using SshMux.Ssh.Crypto;
using SshMux.Ssh.Transport.Ciphers;

namespace SshMux.Bench;

/// <summary>
/// ChaCha20 keystream, Poly1305 and chacha20-poly1305@openssh.com over one 32 KiB packet, the
/// largest packet OpenSSH sends by default (RFC 4253 section 6.1 requires at least 35000
/// bytes to be accepted). MB/s = 32768 / mean time.
/// </summary>
[MemoryDiagnoser]
public class ChaChaBenchmarks
{
    private const int PacketBytes = 32 * 1024;

    private readonly byte[] _key = new byte[ChaCha20.KeySize];
    private readonly byte[] _nonce = new byte[ChaCha20.OriginalNonceSize];
    private readonly byte[] _polyKey = new byte[Poly1305.KeySize];
    private readonly byte[] _data = new byte[PacketBytes];
    private readonly byte[] _packet = new byte[PacketBytes];
    private readonly byte[] _tag = new byte[Poly1305.TagSize];
    private ChaCha20Poly1305PacketCipher? _cipher;
    private uint _sequenceNumber;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        random.NextBytes(_key);
        random.NextBytes(_nonce);
        random.NextBytes(_polyKey);
        random.NextBytes(_data);
        var packetKey = new byte[64];
        random.NextBytes(packetKey);
        _cipher = new ChaCha20Poly1305PacketCipher(packetKey);
    }

    [GlobalCleanup]
    public void Cleanup() => _cipher?.Dispose();

    /// <summary>The public API, which takes the fastest path this machine supports.</summary>
    [Benchmark]
    public void ChaCha20Xor32K() => ChaCha20.Xor(_key, _nonce, 1, _data, _packet);

    /// <summary>The 4-block path alone (what machines without AVX2 run).</summary>
    [Benchmark]
    public void ChaCha20Xor32KSimd128() => ChaCha20.Xor(_key, _nonce, 1, _data, _packet, ChaCha20Path.Simd128);

    /// <summary>The portable one-block path.</summary>
    [Benchmark]
    public void ChaCha20Xor32KScalar() => ChaCha20.Xor(_key, _nonce, 1, _data, _packet, ChaCha20Path.Scalar);

    [Benchmark]
    public void Poly1305Tag32K() => Poly1305.ComputeTag(_polyKey, _data, _tag);

    /// <summary>Seal of a whole 32 KiB binary packet (length field, padding length, payload, padding) through the public API.</summary>
    [Benchmark]
    public void SealPacket32K()
    {
        BinaryPrimitives.WriteUInt32BigEndian(_packet, PacketBytes - 4);
        _cipher!.Seal(_sequenceNumber++, _packet, _tag);
    }
}
