using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;

namespace SshMux.Ssh.Keys;

/// <summary>
/// OpenSSL's "traditional" key files: "BEGIN RSA PRIVATE KEY" (PKCS#1, RFC 8017 appendix A.1.2)
/// and "BEGIN EC PRIVATE KEY" (SEC1 / RFC 5915), optionally with the legacy RFC 1421 encryption
/// headers "Proc-Type: 4,ENCRYPTED" and "DEK-Info: CIPHER,IV". That is what
/// ssh-keygen -m PEM writes (with AES-128-CBC when given a passphrase).
/// </summary>
internal static class TraditionalPemFormat
{
    public const string RsaLabel = "RSA PRIVATE KEY";
    public const string EcLabel = "EC PRIVATE KEY";

    private const int LineLength = 64;

    public static SshPrivateKey Decode(PemArmor armor, PassphraseCallback? passphrase, string description, out bool encrypted)
    {
        encrypted = armor.Headers.TryGetValue("Proc-Type", out var procType)
            && procType.Replace(" ", string.Empty, StringComparison.Ordinal).Equals("4,ENCRYPTED", StringComparison.OrdinalIgnoreCase);
        if (!encrypted)
        {
            return Import(armor.Label, armor.Data);
        }

        var der = DecryptLegacy(armor, passphrase, description);
        try
        {
            return Import(armor.Label, der);
        }
        catch (SshException e)
        {
            // OpenSSH treats any decode failure after decryption as a wrong passphrase.
            throw new IncorrectPassphraseException("Incorrect passphrase supplied to decrypt the private key (the decrypted data is not a key)", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>PKCS#1 or SEC1 PEM; with a passphrase, encrypted as OpenSSL's PEM_write_bio does with AES-128-CBC.</summary>
    public static string Encode(SshPrivateKey key, ReadOnlySpan<byte> passphrase)
    {
        var (label, der) = key switch
        {
            RsaPrivateKey rsa => (RsaLabel, rsa.Algorithm.ExportRSAPrivateKey()),
            EcdsaPrivateKey ecdsa => (EcLabel, ecdsa.Algorithm.ExportECPrivateKey()),
            _ => throw new NotSupportedException($"{key.KeyType} keys have no traditional PEM form; use OpenSSH or PKCS#8"),
        };

        try
        {
            if (passphrase.IsEmpty)
            {
                return PemArmor.Encode(label, der, LineLength);
            }

            Span<byte> iv = stackalloc byte[16];
            RandomNumberGenerator.Fill(iv);
            var aesKey = BytesToKey(passphrase, iv[..8], 16);
            byte[] encrypted;
            try
            {
                using var aes = Aes.Create();
                aes.Key = aesKey;
                encrypted = aes.EncryptCbc(der, iv, PaddingMode.PKCS7);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(aesKey);
            }

            var headers = new[]
            {
                KeyValuePair.Create("Proc-Type", "4,ENCRYPTED"),
                KeyValuePair.Create("DEK-Info", "AES-128-CBC," + Convert.ToHexString(iv)),
            };
            return PemArmor.Encode(label, encrypted, LineLength, headers);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    private static SshPrivateKey Import(string label, byte[] der)
    {
        if (label == RsaLabel)
        {
            var rsa = RSA.Create();
            try
            {
                rsa.ImportRSAPrivateKey(der, out var read);
                Pkcs8PrivateKeyFormat.RequireAllRead(read, der.Length);
                return new RsaPrivateKey(rsa);
            }
            catch (Exception e) when (e is CryptographicException or SshException)
            {
                rsa.Dispose();
                throw e as SshException ?? new SshException("Malformed PKCS#1 RSA private key: " + e.Message, e);
            }
        }

        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportECPrivateKey(der, out var read);
            Pkcs8PrivateKeyFormat.RequireAllRead(read, der.Length);
            return new EcdsaPrivateKey(ecdsa);
        }
        catch (Exception e) when (e is CryptographicException or SshException)
        {
            ecdsa.Dispose();
            throw e as SshException ?? new SshException("Malformed SEC1 EC private key: " + e.Message, e);
        }
    }

    private static byte[] DecryptLegacy(PemArmor armor, PassphraseCallback? passphrase, string description)
    {
        if (!armor.Headers.TryGetValue("DEK-Info", out var dekInfo))
        {
            throw new SshException("Malformed encrypted PEM key: Proc-Type says ENCRYPTED but there is no DEK-Info header");
        }

        var comma = dekInfo.IndexOf(',', StringComparison.Ordinal);
        var cipherName = (comma < 0 ? dekInfo : dekInfo[..comma]).Trim().ToUpperInvariant();
        var (keySize, blockSize) = cipherName switch
        {
            "AES-128-CBC" => (16, 16),
            "AES-192-CBC" => (24, 16),
            "AES-256-CBC" => (32, 16),
            "DES-EDE3-CBC" => (24, 8),
            _ => throw new SshException($"Unsupported PEM encryption \"{SshPublicKey.Truncate(cipherName)}\""),
        };

        byte[] iv;
        try
        {
            iv = Convert.FromHexString(comma < 0 ? string.Empty : dekInfo[(comma + 1)..].Trim());
        }
        catch (FormatException e)
        {
            throw new SshException("Malformed encrypted PEM key: the DEK-Info IV is not hex", e);
        }

        if (iv.Length != blockSize)
        {
            throw new SshException(string.Create(CultureInfo.InvariantCulture,
                $"Malformed encrypted PEM key: the DEK-Info IV is {iv.Length} bytes, {cipherName} needs {blockSize}"));
        }

        var secret = PassphrasePrompt.Ask(passphrase, description);
        var key = Array.Empty<byte>();
        try
        {
            // OpenSSL's PEM_do_header: the first 8 IV bytes are the EVP_BytesToKey salt.
            key = BytesToKey(secret, iv.AsSpan(0, 8), keySize);
            using var cipher = CreateCipher(cipherName);
            cipher.Key = key;
            try
            {
                return cipher.DecryptCbc(armor.Data, iv, PaddingMode.PKCS7);
            }
            catch (CryptographicException e)
            {
                throw new IncorrectPassphraseException("Incorrect passphrase supplied to decrypt the private key (bad padding)", e);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// OpenSSL's EVP_BytesToKey with MD5 and one iteration: D1 = MD5(pass || salt),
    /// Di = MD5(Di-1 || pass || salt), key = D1 || D2 || ... truncated. Weak, but it is the
    /// format's definition; new files should be OpenSSH or PKCS#8.
    /// </summary>
    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms",
        Justification = "EVP_BytesToKey with MD5 is how legacy OpenSSL PEM encryption defines its key.")]
    internal static byte[] BytesToKey(ReadOnlySpan<byte> passphrase, ReadOnlySpan<byte> salt, int length)
    {
        var key = new byte[length];
        var input = new byte[MD5.HashSizeInBytes + passphrase.Length + salt.Length];
        Span<byte> digest = stackalloc byte[MD5.HashSizeInBytes];
        try
        {
            var produced = 0;
            var previous = 0;
            while (produced < length)
            {
                digest[..previous].CopyTo(input);
                passphrase.CopyTo(input.AsSpan(previous));
                salt.CopyTo(input.AsSpan(previous + passphrase.Length));
                MD5.HashData(input.AsSpan(0, previous + passphrase.Length + salt.Length), digest);
                var take = Math.Min(digest.Length, length - produced);
                digest[..take].CopyTo(key.AsSpan(produced));
                produced += take;
                previous = digest.Length;
            }

            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
            CryptographicOperations.ZeroMemory(digest);
        }
    }

    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms",
        Justification = "Reading existing DES-EDE3-CBC encrypted keys (OpenSSL's old default); never used to write.")]
    private static SymmetricAlgorithm CreateCipher(string name) => name == "DES-EDE3-CBC" ? TripleDES.Create() : Aes.Create();
}
