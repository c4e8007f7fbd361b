using System.Buffers.Binary;
using SshMux.Ssh.Crypto;

namespace SshMux.Ssh.Tests.Crypto;

/// <summary>
/// AEAD_CHACHA20_POLY1305 (RFC 8439 section 2.8) assembled from the ChaCha20 and Poly1305
/// primitives, checked against the section 2.8.2 and appendix A.5 vectors. It shows the
/// primitives compose as the AEAD needs: key generation from block 0, encryption from block 1,
/// and an incremental MAC over pieces that are never copied together.
/// </summary>
public class Rfc8439AeadTests
{
    [Fact]
    public void EncryptionMatchesRfc8439Section2_8_2()
    {
        var key = Convert.FromHexString("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");

        // Nonce = the 32-bit fixed-common part (sender id 7) || IV.
        var nonce = Convert.FromHexString("07000000" + "4041424344454647");
        var aad = Convert.FromHexString("50515253c0c1c2c3c4c5c6c7");
        var plaintext = Convert.FromHexString(
            "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a204966204920636f756c64206f6666657220796f75206f" +
            "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73637265656e20776f756c642062652069742e");

        var polyKey = new byte[64];
        ChaCha20.Block(key, nonce, 0, polyKey);
        Assert.Equal("7bac2b252db447af09b67a55a4e955840ae1d6731075d9eb2a9375783ed553ff", Convert.ToHexStringLower(polyKey.AsSpan(0, 32)));

        var ciphertext = new byte[plaintext.Length];
        ChaCha20.Xor(key, nonce, 1, plaintext, ciphertext);
        Assert.Equal(
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36" +
            "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
            Convert.ToHexStringLower(ciphertext));

        var tag = new byte[16];
        AeadTag(polyKey.AsSpan(0, 32), aad, ciphertext, tag);
        Assert.Equal("1ae10b594f09e26a7e902ecbd0600691", Convert.ToHexStringLower(tag));
    }

    [Fact]
    public void DecryptionMatchesRfc8439AppendixA5()
    {
        var key = Convert.FromHexString("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0");
        var nonce = Convert.FromHexString("000000000102030405060708");
        var aad = Convert.FromHexString("f33388860000000000004e91");
        var receivedTag = Convert.FromHexString("eead9d67890cbb22392336fea1851f38");
        var ciphertext = Convert.FromHexString(
            "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf" +
            "332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c8559797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4" +
            "b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a" +
            "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a1049e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29" +
            "a6ad5cb4022b02709b");

        var polyKey = new byte[64];
        ChaCha20.Block(key, nonce, 0, polyKey);
        Assert.Equal("bdf04aa95ce4de8995b14bb6a18fecaf26478f50c054f563dbc0a21e261572aa", Convert.ToHexStringLower(polyKey.AsSpan(0, 32)));

        // Check the tag before decrypting.
        Assert.True(AeadVerify(polyKey.AsSpan(0, 32), aad, ciphertext, receivedTag));
        receivedTag[15] ^= 1;
        Assert.False(AeadVerify(polyKey.AsSpan(0, 32), aad, ciphertext, receivedTag));

        ChaCha20.Xor(key, nonce, 1, ciphertext);
        Assert.Equal(
            "496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c696420666f722061206d6178696d756d206f6620736978206d" +
            "6f6e74687320616e64206d617920626520757064617465642c207265706c616365642c206f72206f62736f6c65746564206279206f7468657220646f63756d65" +
            "6e747320617420616e792074696d652e20497420697320696e617070726f70726961746520746f2075736520496e7465726e65742d4472616674732061732072" +
            "65666572656e6365206d6174657269616c206f7220746f2063697465207468656d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67" +
            "726573732e2fe2809d",
            Convert.ToHexStringLower(ciphertext));
    }

    /// <summary>RFC 8439 section 2.8: Poly1305 over aad || pad16 || ciphertext || pad16 || le64(|aad|) || le64(|ciphertext|).</summary>
    private static void AeadTag(ReadOnlySpan<byte> polyKey, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, Span<byte> tag)
    {
        var mac = new Poly1305(polyKey);
        FeedAeadInput(ref mac, aad, ciphertext);
        mac.Finish(tag);
    }

    private static bool AeadVerify(ReadOnlySpan<byte> polyKey, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag)
    {
        var mac = new Poly1305(polyKey);
        FeedAeadInput(ref mac, aad, ciphertext);
        return mac.FinishAndVerify(tag);
    }

    private static void FeedAeadInput(ref Poly1305 mac, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext)
    {
        Span<byte> zeros = stackalloc byte[16];
        zeros.Clear();
        mac.Update(aad);
        mac.Update(zeros[..((16 - (aad.Length % 16)) % 16)]);
        mac.Update(ciphertext);
        mac.Update(zeros[..((16 - (ciphertext.Length % 16)) % 16)]);
        Span<byte> lengths = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(lengths, (ulong)aad.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(lengths[8..], (ulong)ciphertext.Length);
        mac.Update(lengths);
    }
}
