using SshMux.Ssh;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests;

public class WireTests
{
    [Fact]
    public void MPIntMatchesRfc4251Examples()
    {
        // RFC 4251 section 5: the examples of mpint encodings.
        Check("0", "00000000");
        Check("9a378f9b2e332a7", "0000000809a378f9b2e332a7");
        Check("80", "000000020080");
        Check("-1234", "00000002edcc");
        Check("-deadbeef", "00000005ff21524111");

        static void Check(string hex, string expected)
        {
            var negative = hex.StartsWith('-');
            var magnitude = System.Numerics.BigInteger.Parse("0" + hex.TrimStart('-'), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            var value = negative ? -magnitude : magnitude;
            using var w = new SshWriter();
            w.WriteMPInt(value);
            Assert.Equal(expected, Convert.ToHexStringLower(w.WrittenSpan));
            var r = new SshReader(w.WrittenSpan);
            Assert.Equal(value, r.ReadMPInt());
            r.EnsureEnd("mpint");
        }
    }

    [Fact]
    public void TruncatedStringNamesTheField()
    {
        var bytes = new byte[] { 0, 0, 0, 10, 1, 2 };
        var ex = Assert.Throws<SshException>(() => new SshReader(bytes).ReadBinary("banner"));
        Assert.Contains("banner", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NameListRejectsEmptyNames()
    {
        using var w = new SshWriter();
        w.WriteString("a,,b");
        Assert.Throws<SshException>(() => new SshReader(w.WrittenSpan).ReadNameList());
    }

    [Fact]
    public void UnsignedMPIntAddsSignByte()
    {
        using var w = new SshWriter();
        w.WriteUnsignedMPInt([0x00, 0x00, 0x80, 0x01]);
        Assert.Equal("000000030080" + "01", Convert.ToHexStringLower(w.WrittenSpan));
        var r = new SshReader(w.WrittenSpan);
        Assert.Equal("8001", Convert.ToHexStringLower(r.ReadUnsignedMPInt()));
    }
}
