using System.Text;
using SshMux.Ssh.Crypto;

namespace SshMux.Ssh.Tests.Crypto;

public class BcryptPbkdfTests
{
    // OpenBSD regress/lib/libutil/bcrypt_pbkdf vectors (as also carried by RustCrypto's
    // bcrypt-pbkdf tests). Password and salt are Latin-1 strings so NUL bytes survive.
    [Theory]
    [InlineData("password", "salt", 4, "5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9")]
    [InlineData("password", "\0", 4, "c12b566235eee04c212598970a579a67")]
    [InlineData("\0", "salt", 4, "6051be18c2f4f82cbf0efee5471b4bb9")]
    [InlineData("password\0", "salt\0", 4, "7410e44cf4fa07bfaac8a928b1727fac001375e7bf7384370f48efd121743050")]
    [InlineData("pass\0wor", "sa\0l", 4, "c2bffd9db38f6569efef4372f4de83c0")]
    [InlineData("pass\0word", "sa\0lt", 4, "4ba4ac3925c0e8d7f0cdb6bb1684a56f")]
    [InlineData("password", "salt", 8, "e1367ec5151a33faac4cc1c144cd23fa15d5548493ecc99b9b5d9c0d3b27bec76227ea66088b849b20ab7aa478010246e74bba51723fefa9f9474d6508845e8d")]
    [InlineData("password", "salt", 42, "833cf0dcf56db65608e8f0dc0ce882bd")]
    [InlineData(
        "Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. " +
        "Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. " +
        "Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. " +
        "Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.",
        "salis\0", 8, "10978b07253df57f71a162eb0e8ad30a")]
    public void MatchesOpenBsdVectors(string password, string salt, int rounds, string expectedHex)
    {
        var expected = Convert.FromHexString(expectedHex);
        var output = new byte[expected.Length];
        BcryptPbkdf.DeriveKey(Encoding.Latin1.GetBytes(password), Encoding.Latin1.GetBytes(salt), rounds, output);
        Assert.Equal(expectedHex, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void RejectsWhatOpenBsdRejects()
    {
        var output = new byte[32];
        Assert.Throws<ArgumentOutOfRangeException>(() => BcryptPbkdf.DeriveKey("p"u8, "s"u8, 0, output));
        Assert.Throws<ArgumentException>(() => BcryptPbkdf.DeriveKey("p"u8, [], 1, output));
        Assert.Throws<ArgumentException>(() => BcryptPbkdf.DeriveKey([], "s"u8, 1, output));
        Assert.Throws<ArgumentOutOfRangeException>(() => BcryptPbkdf.DeriveKey("p"u8, "s"u8, 1, new byte[BcryptPbkdf.MaxOutputLength + 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BcryptPbkdf.DeriveKey("p"u8, "s"u8, 1, []));
    }

    [Fact]
    public void PrefixOfLongerOutputDiffers()
    {
        // The stride spreads each block over the whole key, so a 48-byte key (what aes256-ctr
        // needs) is not a prefix-extension of a 32-byte one: both must come from the same
        // schedule yet differ, catching an implementation that ignores the stride.
        var short32 = new byte[32];
        var long48 = new byte[48];
        BcryptPbkdf.DeriveKey("password"u8, "salt"u8, 2, short32);
        BcryptPbkdf.DeriveKey("password"u8, "salt"u8, 2, long48);
        Assert.NotEqual(short32, long48.AsSpan(0, 32).ToArray());
    }

    // Eric Young's Blowfish ECB vectors, published by Bruce Schneier (vectors.txt). They check
    // the pi-derived initial state word for word as well as the cipher.
    [Theory]
    [InlineData("0000000000000000", "0000000000000000", "4ef997456198dd78")]
    [InlineData("ffffffffffffffff", "ffffffffffffffff", "51866fd5b85ecb8a")]
    [InlineData("3000000000000000", "1000000000000001", "7d856f9a613063f2")]
    [InlineData("1111111111111111", "1111111111111111", "2466dd878b963c9d")]
    [InlineData("0123456789abcdef", "1111111111111111", "61f9c3802281b096")]
    public void BlowfishMatchesPublishedVectors(string keyHex, string plainHex, string cipherHex)
    {
        var blowfish = new Blowfish();
        blowfish.SetKey(Convert.FromHexString(keyHex));
        var output = new byte[8];
        blowfish.EncryptBlock(Convert.FromHexString(plainHex), output);
        Assert.Equal(cipherHex, Convert.ToHexStringLower(output));
    }
}
