using System.Numerics;
using System.Security.Cryptography;
using SshMux.Ssh.Transport.Kex;

namespace SshMux.Ssh.Tests.Kex;

public class MontgomeryModulusTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(127)]
    [InlineData(521)]
    [InlineData(1024)]
    [InlineData(2048)]
    [InlineData(3071)]
    public void PowMatchesBigIntegerModPow(int bits)
    {
        for (var round = 0; round < 6; round++)
        {
            var modulus = RandomOdd(bits);
            var m = new MontgomeryModulus(modulus.ToByteArray(isUnsigned: true, isBigEndian: true));
            Assert.Equal(bits, m.Bits);
            var baseValue = RandomBelow(modulus);
            var exponent = RandomNumberGenerator.GetBytes(1 + (round * 7));
            var result = new byte[m.ByteLength];
            m.Pow(baseValue.ToByteArray(isUnsigned: true, isBigEndian: true), exponent, result);
            var expected = BigInteger.ModPow(baseValue, new BigInteger(exponent, isUnsigned: true, isBigEndian: true), modulus);
            Assert.Equal(expected, new BigInteger(result, isUnsigned: true, isBigEndian: true));
        }
    }

    [Fact]
    public void EdgeCasesOfBaseAndExponent()
    {
        var p = DhGroups.Group14.P;
        var m = DhGroups.Group14.Modulus;
        var result = new byte[m.ByteLength];

        // x^0 = 1 however many zero bytes the exponent has; 0^x = 0; 1^x = 1; (p-1)^2 = 1.
        m.Pow([5], [0, 0, 0], result);
        Assert.Equal(BigInteger.One, Value(result));
        m.Pow([], [0x12, 0x34], result);
        Assert.Equal(BigInteger.Zero, Value(result));
        m.Pow([1], [0xff, 0xff], result);
        Assert.Equal(BigInteger.One, Value(result));
        m.Pow((p - 1).ToByteArray(isUnsigned: true, isBigEndian: true), [2], result);
        Assert.Equal(BigInteger.One, Value(result));

        // Leading zero bytes in the exponent change nothing but the running time.
        m.Pow([2], [0, 0, 0, 0xab, 0xcd], result);
        Assert.Equal(BigInteger.ModPow(2, 0xabcd, p), Value(result));
    }

    [Fact]
    public void BaseAtOrAboveTheModulusIsRefused()
    {
        var m = DhGroups.Group14.Modulus;
        var result = new byte[m.ByteLength];
        Assert.Throws<ArgumentException>(() => m.Pow(DhGroups.Group14.Prime, [3], result));
        var tooLong = new byte[m.ByteLength + 1];
        tooLong[0] = 1;
        Assert.Throws<ArgumentException>(() => m.Pow(tooLong, [3], result));

        // Zero padding in front of a smaller value is fine.
        var padded = new byte[m.ByteLength + 8];
        padded[^1] = 3;
        m.Pow(padded, [2], result);
        Assert.Equal(new BigInteger(9), Value(result));
    }

    [Fact]
    public void EvenModulusIsRefused() =>
        Assert.Throws<ArgumentException>(() => new MontgomeryModulus([0x01, 0x00]));

    private static BigInteger Value(byte[] bigEndian) => new(bigEndian, isUnsigned: true, isBigEndian: true);

    private static BigInteger RandomOdd(int bits)
    {
        var bytes = RandomNumberGenerator.GetBytes((bits + 7) / 8);
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        value &= (BigInteger.One << bits) - 1;
        value |= (BigInteger.One << (bits - 1)) | BigInteger.One;
        return value;
    }

    private static BigInteger RandomBelow(BigInteger modulus)
    {
        var bytes = RandomNumberGenerator.GetBytes(modulus.GetByteCount(isUnsigned: true));
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true) % modulus;
    }
}
