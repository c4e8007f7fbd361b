using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SshMux.Ssh.Crypto;

/// <summary>
/// bcrypt_pbkdf as OpenBSD defines it (lib/libutil/bcrypt_pbkdf.c), used by OpenSSH private
/// key files (PROTOCOL.key section 2: kdfname "bcrypt" with a salt and a round count).
/// </summary>
/// <remarks>
/// It is PBKDF2 in shape with SHA-512 as the outer hash and a bcrypt-like core
/// (<see cref="BcryptHash"/>) as the PRF, except that the output bytes of each block are
/// spread across the key with a stride so that every block is needed for every part of
/// the key.
/// </remarks>
public static class BcryptPbkdf
{
    private const int HashSize = 32;
    private const int HashWords = HashSize / 4;
    private const int Sha512Size = 64;

    /// <summary>The largest key OpenBSD accepts (32 blocks of 32 bytes).</summary>
    public const int MaxOutputLength = HashSize * HashSize;

    private const int MaxSaltLength = 1 << 20;

    // "OxychromaticBlowfishSwatDynamite": the 256-bit plaintext bcrypt_hash encrypts.
    private static ReadOnlySpan<byte> MagicPlaintext => "OxychromaticBlowfishSwatDynamite"u8;

    public static void DeriveKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int rounds, Span<byte> output)
    {
        // The same bounds as OpenBSD: at least one round, a non-empty password and salt
        // (salt at most 1 MiB), and 1..1024 output bytes.
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        if (password.Length == 0)
        {
            throw new ArgumentException("bcrypt_pbkdf needs a non-empty password", nameof(password));
        }

        if (salt.Length == 0 || salt.Length > MaxSaltLength)
        {
            throw new ArgumentException($"bcrypt_pbkdf needs a salt of 1..{MaxSaltLength} bytes", nameof(salt));
        }

        if (output.Length == 0 || output.Length > MaxOutputLength)
        {
            throw new ArgumentOutOfRangeException(nameof(output), $"bcrypt_pbkdf output must be 1..{MaxOutputLength} bytes");
        }

        var stride = (output.Length + HashSize - 1) / HashSize;
        var perBlock = (output.Length + stride - 1) / stride;

        Span<byte> passHash = stackalloc byte[Sha512Size];
        Span<byte> saltHash = stackalloc byte[Sha512Size];
        Span<byte> block = stackalloc byte[HashSize];
        Span<byte> accumulated = stackalloc byte[HashSize];
        var countedSalt = new byte[salt.Length + 4];
        var blowfish = new Blowfish();
        try
        {
            SHA512.HashData(password, passHash);
            salt.CopyTo(countedSalt);

            var remaining = output.Length;
            for (var count = 1; remaining > 0; count++)
            {
                // Block "count": salt || BE32(count), then rounds-1 chained re-hashes, XORed together.
                BinaryPrimitives.WriteUInt32BigEndian(countedSalt.AsSpan(salt.Length), (uint)count);
                SHA512.HashData(countedSalt, saltHash);
                BcryptHash(blowfish, passHash, saltHash, block);
                block.CopyTo(accumulated);

                for (var round = 1; round < rounds; round++)
                {
                    SHA512.HashData(block, saltHash);
                    BcryptHash(blowfish, passHash, saltHash, block);
                    for (var j = 0; j < HashSize; j++)
                    {
                        accumulated[j] ^= block[j];
                    }
                }

                // Output byte i of block "count" lands at i * stride + (count - 1).
                var taken = Math.Min(perBlock, remaining);
                int i;
                for (i = 0; i < taken; i++)
                {
                    var destination = (i * stride) + (count - 1);
                    if (destination >= output.Length)
                    {
                        break;
                    }

                    output[destination] = accumulated[i];
                }

                remaining -= i;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passHash);
            CryptographicOperations.ZeroMemory(saltHash);
            CryptographicOperations.ZeroMemory(block);
            CryptographicOperations.ZeroMemory(accumulated);
            CryptographicOperations.ZeroMemory(countedSalt);
            blowfish.Clear();
        }
    }

    /// <summary>
    /// bcrypt_hash: an eksblowfish setup with cost 64 keyed by the two SHA-512 digests, then
    /// 64 encryptions of the magic plaintext; the words come out little-endian.
    /// </summary>
    private static void BcryptHash(Blowfish blowfish, ReadOnlySpan<byte> passHash, ReadOnlySpan<byte> saltHash, Span<byte> output)
    {
        blowfish.InitState();
        blowfish.ExpandState(saltHash, passHash);
        for (var i = 0; i < 64; i++)
        {
            blowfish.Expand0State(saltHash);
            blowfish.Expand0State(passHash);
        }

        Span<uint> words = stackalloc uint[HashWords];
        var position = 0;
        for (var i = 0; i < HashWords; i++)
        {
            words[i] = Blowfish.StreamToWord(MagicPlaintext, ref position);
        }

        for (var i = 0; i < 64; i++)
        {
            blowfish.EncryptWords(words);
        }

        for (var i = 0; i < HashWords; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(output[(i * 4)..], words[i]);
        }

        words.Clear();
    }
}
