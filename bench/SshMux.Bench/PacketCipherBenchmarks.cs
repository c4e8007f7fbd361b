using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Reports;
using Perfolizer.Horology;
using Perfolizer.Metrology;
using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Transport;

namespace SshMux.Bench;

/// <summary>
/// Seal and open of one 32 KiB packet (the usual OpenSSH channel packet size) for every
/// cipher, and every cipher x MAC pair for the non-AEAD ciphers, built through the registry
/// as a connection builds them.
/// </summary>
/// <remarks>
/// Opening consumes per-packet state (GCM invocation counter, CTR keystream position), so
/// the same ciphertext cannot be opened twice. <see cref="SealOpen"/> therefore seals with
/// the sending cipher and opens with the receiving one; open time is SealOpen - Seal
/// (bench/run.sh does that subtraction). Both leave the buffer holding the plaintext again.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class PacketCipherBenchmarks
{
    /// <summary>Bytes protected per operation: the packet after any cleartext length field.</summary>
    public const int PacketBytes = 32 * 1024;

    private PacketCipher _sender = null!;
    private PacketCipher _receiver = null!;
    private byte[] _packet = null!;
    private byte[] _tag = null!;
    private int _packetLength;
    private uint _sequence;

    /// <summary>Cipher name, or "cipher+mac" for ciphers that need a MAC.</summary>
    [ParamsSource(nameof(Suites))]
    public string Suite { get; set; } = "";

    public static IEnumerable<string> Suites() =>
        AlgorithmRegistry.Ciphers.SelectMany(c => c.IsAead
            ? [c.Name]
            : AlgorithmRegistry.Macs.Select(m => $"{c.Name}+{m.Name}"));

    [GlobalSetup]
    public void Setup()
    {
        var parts = Suite.Split('+');
        var cipher = AlgorithmRegistry.FindCipher(parts[0]) ?? throw new ArgumentException($"Unknown cipher {parts[0]}");
        var mac = parts.Length > 1 ? AlgorithmRegistry.FindMac(parts[1]) ?? throw new ArgumentException($"Unknown MAC {parts[1]}") : null;
        var key = RandomNumberGenerator.GetBytes(cipher.KeySize);
        var iv = RandomNumberGenerator.GetBytes(cipher.IvSize);
        var macKey = mac is null ? [] : RandomNumberGenerator.GetBytes(mac.KeySize);
        _sender = AlgorithmRegistry.CreatePacketCipher(cipher, mac, key, iv, macKey, encrypt: true);
        _receiver = AlgorithmRegistry.CreatePacketCipher(cipher, mac, key, iv, macKey, encrypt: false);

        // 32 KiB of encrypted packet, plus the cleartext length field when there is one; the
        // sizes are whole cipher blocks as RFC 4253 section 6 padding makes them.
        _packetLength = PacketBytes + _sender.AadLength;
        _packet = RandomNumberGenerator.GetBytes(_packetLength);
        BinaryPrimitives.WriteUInt32BigEndian(_packet, (uint)(_packetLength - 4));
        _packet[4] = 16;
        _tag = new byte[_sender.TagSize];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender?.Dispose();
        _receiver?.Dispose();
    }

    [Benchmark]
    public void Seal() => _sender.Seal(_sequence++, _packet, _tag);

    [Benchmark]
    public bool SealOpen()
    {
        var seq = _sequence++;
        _sender.Seal(seq, _packet, _tag);
        var length = _receiver.DecryptLength(seq, _packet.AsSpan(0, _receiver.FirstBlockSize));
        if (!_receiver.Open(seq, _packet.AsSpan(0, 4 + (int)length), _tag))
        {
            throw new InvalidOperationException($"{Suite}: sealed packet did not open");
        }

        return true;
    }

    /// <summary>
    /// Full suite names in the tables (the default cuts parameters at 20 characters), the
    /// median always shown, and a machine-readable CSV (nanoseconds, bytes, no units in cells)
    /// that bench/run.sh reads.
    /// </summary>
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(64);

            // run.sh reports the median: steadier than the mean on a shared machine.
            AddColumn(StatisticColumn.Median);
            AddExporter(new NumericCsvExporter());
        }
    }

    /// <summary>Writes *-report-numeric.csv beside BenchmarkDotNet's own CSV.</summary>
    private sealed class NumericCsvExporter() : CsvExporter(
        CsvSeparator.Comma,
        new SummaryStyle(CultureInfo.InvariantCulture, printUnitsInHeader: true, sizeUnit: SizeUnit.B, timeUnit: TimeUnit.Nanosecond, printUnitsInContent: false, printZeroValuesInContent: true, maxParameterColumnWidth: 64))
    {
        protected override string FileNameSuffix => "-numeric";
    }
}
