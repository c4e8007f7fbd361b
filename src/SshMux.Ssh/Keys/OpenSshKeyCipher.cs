using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SshMux.Ssh.Keys;

/// <summary>
/// The ciphers an openssh-key-v1 file may name for its private section (PROTOCOL.key section 1,
/// cipher.c): "none", aes128/192/256-ctr, aes128/192/256-cbc and aes128/256-gcm@openssh.com.
/// Key and IV come from one bcrypt_pbkdf output, key first. The private section is padded to
/// <see cref="BlockSize"/>; a GCM tag follows the encrypted string outside its length.
/// </summary>
internal sealed class OpenSshKeyCipher
{
    public const string None = "none";

    /// <summary>ssh-keygen's default since OpenSSH 6.5.</summary>
    public const string DefaultName = "aes256-ctr";

    private enum Mode
    {
        None,
        Ctr,
        Cbc,
        Gcm,
    }

    private static readonly OpenSshKeyCipher[] All =
    [
        new(None, Mode.None, 0, 0, 8),
        new("aes128-ctr", Mode.Ctr, 16, 16, 16),
        new("aes192-ctr", Mode.Ctr, 24, 16, 16),
        new("aes256-ctr", Mode.Ctr, 32, 16, 16),
        new("aes128-cbc", Mode.Cbc, 16, 16, 16),
        new("aes192-cbc", Mode.Cbc, 24, 16, 16),
        new("aes256-cbc", Mode.Cbc, 32, 16, 16),
        new("aes128-gcm@openssh.com", Mode.Gcm, 16, 12, 16),
        new("aes256-gcm@openssh.com", Mode.Gcm, 32, 12, 16),
    ];

    private readonly Mode _mode;

    private OpenSshKeyCipher(string name, Mode mode, int keySize, int ivSize, int blockSize)
    {
        Name = name;
        _mode = mode;
        KeySize = keySize;
        IvSize = ivSize;
        BlockSize = blockSize;
    }

    public string Name { get; }

    public int KeySize { get; }

    public int IvSize { get; }

    public int BlockSize { get; }

    public int TagSize => _mode == Mode.Gcm ? 16 : 0;

    public bool IsNone => _mode == Mode.None;

    public static OpenSshKeyCipher? Find(string name) => Array.Find(All, c => c.Name == name);

    /// <summary>
    /// Decrypts in place. A GCM tag mismatch means the passphrase was wrong (sshkey.c maps
    /// SSH_ERR_MAC_INVALID to SSH_ERR_KEY_WRONG_PASSPHRASE), so it raises
    /// <see cref="IncorrectPassphraseException"/>.
    /// </summary>
    public void Decrypt(ReadOnlySpan<byte> keyAndIv, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        var key = keyAndIv[..KeySize];
        var iv = keyAndIv.Slice(KeySize, IvSize);
        switch (_mode)
        {
            case Mode.None:
                return;
            case Mode.Ctr:
                AesCtr(key, iv, data);
                return;
            case Mode.Cbc:
            {
                using var aes = Aes.Create();
                aes.SetKey(key);
                aes.DecryptCbc(data, iv, data, PaddingMode.None);
                return;
            }

            default:
            {
                using var gcm = new AesGcm(key, TagSize);
                try
                {
                    gcm.Decrypt(iv, data, tag, data);
                }
                catch (AuthenticationTagMismatchException e)
                {
                    throw new IncorrectPassphraseException("Incorrect passphrase supplied to decrypt the private key (the AES-GCM tag does not match)", e);
                }

                return;
            }
        }
    }

    /// <summary>Encrypts in place and fills <paramref name="tag"/> (empty unless GCM).</summary>
    public void Encrypt(ReadOnlySpan<byte> keyAndIv, Span<byte> data, Span<byte> tag)
    {
        var key = keyAndIv[..KeySize];
        var iv = keyAndIv.Slice(KeySize, IvSize);
        switch (_mode)
        {
            case Mode.None:
                return;
            case Mode.Ctr:
                AesCtr(key, iv, data);
                return;
            case Mode.Cbc:
            {
                using var aes = Aes.Create();
                aes.SetKey(key);
                aes.EncryptCbc(data, iv, data, PaddingMode.None);
                return;
            }

            default:
            {
                using var gcm = new AesGcm(key, TagSize);
                gcm.Encrypt(iv, data, data, tag);
                return;
            }
        }
    }

    /// <summary>
    /// AES-CTR (NIST SP 800-38A 6.5) with the whole IV as a 128-bit big-endian counter, as
    /// OpenSSH's cipher-ctr.c increments it. Key files are small, so the counter blocks for the
    /// whole buffer are encrypted in one ECB call.
    /// </summary>
    private static void AesCtr(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, Span<byte> data)
    {
        var blocks = (data.Length + 15) / 16;
        var keystream = new byte[blocks * 16];
        try
        {
            var counterHigh = BinaryPrimitives.ReadUInt64BigEndian(iv);
            var counterLow = BinaryPrimitives.ReadUInt64BigEndian(iv[8..]);
            for (var i = 0; i < blocks; i++)
            {
                BinaryPrimitives.WriteUInt64BigEndian(keystream.AsSpan(i * 16), counterHigh);
                BinaryPrimitives.WriteUInt64BigEndian(keystream.AsSpan((i * 16) + 8), counterLow);
                counterLow++;
                if (counterLow == 0)
                {
                    counterHigh++;
                }
            }

            using var aes = Aes.Create();
            aes.SetKey(key);
            aes.EncryptEcb(keystream, keystream, PaddingMode.None);
            for (var i = 0; i < data.Length; i++)
            {
                data[i] ^= keystream[i];
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keystream);
        }
    }
}
