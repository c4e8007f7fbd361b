using System.Buffers;
using System.Security.Cryptography;
using SshMux.Ssh.Crypto;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Keys;

/// <summary>
/// The openssh-key-v1 private key file (PROTOCOL.key): what ssh-keygen writes by default.
/// <code>
/// "openssh-key-v1\0" string cipher, string kdfname, string kdfoptions, uint32 N (= 1),
/// string publickey, string encrypted section [, GCM tag]
/// section: uint32 checkint, uint32 checkint, private key, string comment, padding 1, 2, 3, ...
/// </code>
/// </summary>
internal static class OpenSshPrivateKeyFormat
{
    public const string Label = "OPENSSH PRIVATE KEY";

    /// <summary>ssh-keygen's defaults: bcrypt with a 16-byte salt and 16 rounds (ssh-keygen.c, sshkey.c).</summary>
    public const int DefaultRounds = 16;

    private const int SaltSize = 16;

    // OpenSSH's sshkey.c wraps the base64 at 70 columns.
    private const int LineLength = 70;

    private const string Bcrypt = "bcrypt";

    private static ReadOnlySpan<byte> Magic => "openssh-key-v1\0"u8;

    /// <summary>Decodes the binary form; raises <see cref="IncorrectPassphraseException"/> when the checkints differ after decryption.</summary>
    public static (SshPrivateKey Key, string Comment, bool Encrypted) Decode(ReadOnlySpan<byte> data, PassphraseCallback? passphrase, string description)
    {
        if (!data.StartsWith(Magic))
        {
            throw new SshException("Malformed OpenSSH private key: the openssh-key-v1 magic is missing");
        }

        var reader = new SshReader(data[Magic.Length..]);
        var cipherName = reader.ReadAsciiString("cipher name");
        var kdfName = reader.ReadAsciiString("KDF name");
        var kdfOptions = reader.ReadBinary("KDF options");
        var count = reader.ReadUInt32("number of keys");
        if (count != 1)
        {
            // Like OpenSSH, which has only ever written one key per file.
            throw new SshException($"Unsupported OpenSSH private key: the file holds {count} keys, not 1");
        }

        var publicKey = SshPublicKey.FromBlob(reader.ReadBinary("public key"));
        var encrypted = reader.ReadBinary("private section");

        var cipher = OpenSshKeyCipher.Find(cipherName)
            ?? throw new SshException($"Unsupported OpenSSH private key cipher \"{SshPublicKey.Truncate(cipherName)}\"");
        var tag = reader.ReadBytes(cipher.TagSize, "authentication tag");
        reader.EnsureEnd("OpenSSH private key");

        if (encrypted.Length < cipher.BlockSize || encrypted.Length % cipher.BlockSize != 0)
        {
            throw new SshException($"Malformed OpenSSH private key: the private section is {encrypted.Length} bytes, not a multiple of the {cipher.BlockSize}-byte block");
        }

        var plain = ArrayPool<byte>.Shared.Rent(encrypted.Length);
        var section = plain.AsSpan(0, encrypted.Length);
        try
        {
            encrypted.CopyTo(section);
            if (kdfName == OpenSshKeyCipher.None)
            {
                if (!cipher.IsNone || kdfOptions.Length != 0)
                {
                    throw new SshException($"Malformed OpenSSH private key: cipher \"{cipher.Name}\" without a KDF");
                }
            }
            else if (kdfName == Bcrypt)
            {
                DecryptSection(cipher, kdfOptions, section, tag, passphrase, description);
            }
            else
            {
                throw new SshException($"Unsupported OpenSSH private key KDF \"{SshPublicKey.Truncate(kdfName)}\"");
            }

            var (key, comment) = ReadSection(section, publicKey, isEncrypted: !cipher.IsNone);
            return (key, comment, !cipher.IsNone);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(section);
            ArrayPool<byte>.Shared.Return(plain);
        }
    }

    private static void DecryptSection(OpenSshKeyCipher cipher, ReadOnlySpan<byte> kdfOptions, Span<byte> section,
        ReadOnlySpan<byte> tag, PassphraseCallback? passphrase, string description)
    {
        var options = new SshReader(kdfOptions);
        var salt = options.ReadBinary("bcrypt salt");
        var rounds = options.ReadUInt32("bcrypt rounds");
        options.EnsureEnd("bcrypt KDF options");
        if (salt.Length == 0 || rounds == 0 || rounds > int.MaxValue)
        {
            throw new SshException($"Malformed OpenSSH private key: bcrypt salt of {salt.Length} bytes and {rounds} rounds");
        }

        var secret = PassphrasePrompt.Ask(passphrase, description);
        var keyAndIv = new byte[cipher.KeySize + cipher.IvSize];
        try
        {
            BcryptPbkdf.DeriveKey(secret, salt, (int)rounds, keyAndIv);
            cipher.Decrypt(keyAndIv, section, tag);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
            CryptographicOperations.ZeroMemory(keyAndIv);
        }
    }

    private static (SshPrivateKey, string) ReadSection(ReadOnlySpan<byte> section, SshPublicKey publicKey, bool isEncrypted)
    {
        var reader = new SshReader(section);
        var check1 = reader.ReadUInt32("checkint");
        var check2 = reader.ReadUInt32("checkint");
        if (check1 != check2)
        {
            // The checkints are one random value written twice: after a wrong key they differ.
            if (isEncrypted)
            {
                throw new IncorrectPassphraseException();
            }

            throw new SshException("Malformed OpenSSH private key: the check integers differ (the file is corrupt)");
        }

        var key = SshPrivateKey.ReadOpenSshPrivate(ref reader);
        try
        {
            var comment = reader.ReadString("comment");

            // PROTOCOL.key section 3: deterministic padding 1, 2, 3, ... up to the block size.
            var padding = reader.RemainingSpan;
            for (var i = 0; i < padding.Length; i++)
            {
                if (padding[i] != (byte)(i + 1))
                {
                    throw new SshException($"Malformed OpenSSH private key: padding byte {i + 1} is 0x{padding[i]:x2}, not 0x{i + 1:x2}");
                }
            }

            if (!key.PublicKey.Equals(publicKey))
            {
                throw new SshException("Malformed OpenSSH private key: the public key does not match the private key");
            }

            return (key, comment);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Encodes a key the way ssh-keygen does: unencrypted with cipher and KDF "none" when
    /// <paramref name="passphrase"/> is empty, otherwise bcrypt (random 16-byte salt) and
    /// <paramref name="cipherName"/>.
    /// </summary>
    public static string Encode(SshPrivateKey key, string comment, ReadOnlySpan<byte> passphrase,
        string cipherName = OpenSshKeyCipher.DefaultName, int rounds = DefaultRounds)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(comment);
        var cipher = passphrase.IsEmpty
            ? OpenSshKeyCipher.Find(OpenSshKeyCipher.None)!
            : OpenSshKeyCipher.Find(cipherName) is { IsNone: false } found
                ? found
                : throw new ArgumentException($"\"{cipherName}\" is not a cipher for OpenSSH key files", nameof(cipherName));
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);

        using var section = new SshWriter(1024) { Sensitive = true };
        var checkint = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
        section.WriteUInt32(checkint);
        section.WriteUInt32(checkint);
        key.WriteOpenSshPrivate(section);
        section.WriteString(comment);
        for (var i = 1; section.Length % cipher.BlockSize != 0; i++)
        {
            section.WriteByte((byte)i);
        }

        using var kdfOptions = new SshWriter(32);
        var keyAndIv = new byte[cipher.KeySize + cipher.IvSize];
        var tag = new byte[cipher.TagSize];
        var sectionBytes = section.GetWritableSpan(0, section.Length);
        try
        {
            if (!cipher.IsNone)
            {
                Span<byte> salt = stackalloc byte[SaltSize];
                RandomNumberGenerator.Fill(salt);
                kdfOptions.WriteBinary(salt);
                kdfOptions.WriteUInt32((uint)rounds);
                BcryptPbkdf.DeriveKey(passphrase, salt, rounds, keyAndIv);
                cipher.Encrypt(keyAndIv, sectionBytes, tag);
            }

            // Unencrypted, the file itself is key material.
            using var file = new SshWriter(section.Length + 512) { Sensitive = cipher.IsNone };
            file.WriteRaw(Magic);
            file.WriteString(cipher.Name);
            file.WriteString(cipher.IsNone ? OpenSshKeyCipher.None : Bcrypt);
            file.WriteBinary(kdfOptions.WrittenSpan);
            file.WriteUInt32(1);
            file.WriteBinary(key.PublicKey.Blob.Span);
            file.WriteBinary(sectionBytes);
            file.WriteRaw(tag);
            return PemArmor.Encode(Label, file.WrittenSpan, LineLength);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyAndIv);
        }
    }
}
