using System.Formats.Asn1;
using System.Security.Cryptography;

namespace SshMux.Ssh.Keys;

/// <summary>
/// PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 section 3) with PBES2 (RFC 8018 section 6.2):
/// PBKDF2 with HMAC-SHA1/256/384/512 and AES-128/192/256-CBC or DES-EDE3-CBC. That covers
/// what OpenSSL (and so ssh-keygen -m PKCS8) writes. Decryption is done here rather than by
/// the platform importers because the key algorithm is only known after decrypting.
/// </summary>
internal static class Pbes2
{
    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;

    // A file cannot make us spin for minutes (OpenSSL writes 2048; we write 600000).
    private const int MaxIterations = 10_000_000;

    private const string Pbes2Oid = "1.2.840.113549.1.5.13";
    private const string Pbkdf2Oid = "1.2.840.113549.1.5.12";
    private const string HmacSha1Oid = "1.2.840.113549.2.7";
    private const string HmacSha256Oid = "1.2.840.113549.2.9";
    private const string HmacSha384Oid = "1.2.840.113549.2.10";
    private const string HmacSha512Oid = "1.2.840.113549.2.11";
    private const string Aes128CbcOid = "2.16.840.1.101.3.4.1.2";
    private const string Aes192CbcOid = "2.16.840.1.101.3.4.1.22";
    private const string Aes256CbcOid = "2.16.840.1.101.3.4.1.42";
    private const string DesEde3CbcOid = "1.2.840.113549.3.7";

    public static byte[] Decrypt(byte[] der, PassphraseCallback? passphrase, string description)
    {
        Parameters parameters;
        byte[] encrypted;
        try
        {
            (parameters, encrypted) = Parse(der);
        }
        catch (AsnContentException e)
        {
            throw new SshException("Malformed encrypted PKCS#8 private key: " + e.Message, e);
        }

        var secret = PassphrasePrompt.Ask(passphrase, description);
        var key = Array.Empty<byte>();
        try
        {
            key = Rfc2898DeriveBytes.Pbkdf2(secret, parameters.Salt, parameters.Iterations, parameters.Prf, parameters.KeySize);
            using var cipher = CreateCipher(parameters.CipherOid);
            cipher.Key = key;
            try
            {
                return cipher.DecryptCbc(encrypted, parameters.Iv, PaddingMode.PKCS7);
            }
            catch (CryptographicException e)
            {
                // A wrong key turns the last block into random bytes, which fail the padding check.
                throw new IncorrectPassphraseException("Incorrect passphrase supplied to decrypt the private key (bad padding)", e);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>PBES2 with PBKDF2-HMAC-SHA256, a 16-byte salt and AES-256-CBC.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> plain, ReadOnlySpan<byte> passphrase, int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        Span<byte> salt = stackalloc byte[16];
        Span<byte> iv = stackalloc byte[16];
        RandomNumberGenerator.Fill(salt);
        RandomNumberGenerator.Fill(iv);
        var key = Rfc2898DeriveBytes.Pbkdf2(passphrase, salt, iterations, HashAlgorithmName.SHA256, 32);
        byte[] encrypted;
        try
        {
            using var aes = Aes.Create();
            aes.Key = key;
            encrypted = aes.EncryptCbc(plain, iv, PaddingMode.PKCS7);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(Pbes2Oid);
                using (writer.PushSequence())
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(Pbkdf2Oid);
                        using (writer.PushSequence())
                        {
                            writer.WriteOctetString(salt);
                            writer.WriteInteger(iterations);
                            using (writer.PushSequence())
                            {
                                writer.WriteObjectIdentifier(HmacSha256Oid);
                                writer.WriteNull();
                            }
                        }
                    }

                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(Aes256CbcOid);
                        writer.WriteOctetString(iv);
                    }
                }
            }

            writer.WriteOctetString(encrypted);
        }

        return writer.Encode();
    }

    private sealed record Parameters(byte[] Salt, int Iterations, HashAlgorithmName Prf, string CipherOid, int KeySize, byte[] Iv);

    private static (Parameters, byte[]) Parse(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var info = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var algorithm = info.ReadSequence();
        var encrypted = info.ReadOctetString();
        info.ThrowIfNotEmpty();

        var scheme = algorithm.ReadObjectIdentifier();
        if (scheme != Pbes2Oid)
        {
            throw new SshException($"Unsupported PKCS#8 encryption {scheme} (only PBES2 is supported)");
        }

        var pbes2 = algorithm.ReadSequence();
        var kdf = pbes2.ReadSequence();
        var kdfOid = kdf.ReadObjectIdentifier();
        if (kdfOid != Pbkdf2Oid)
        {
            throw new SshException($"Unsupported PBES2 key derivation {kdfOid} (only PBKDF2 is supported)");
        }

        var kdfParams = kdf.ReadSequence();
        var salt = kdfParams.ReadOctetString();
        if (!kdfParams.TryReadInt32(out var iterations) || iterations < 1 || iterations > MaxIterations)
        {
            throw new SshException($"Unsupported PBKDF2 iteration count (1 to {MaxIterations} are accepted)");
        }

        int? keyLength = null;
        if (kdfParams.HasData && kdfParams.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            keyLength = kdfParams.TryReadInt32(out var length) ? length : -1;
        }

        var prf = HashAlgorithmName.SHA1;
        if (kdfParams.HasData)
        {
            var prfId = kdfParams.ReadSequence();
            var prfOid = prfId.ReadObjectIdentifier();
            prf = prfOid switch
            {
                HmacSha1Oid => HashAlgorithmName.SHA1,
                HmacSha256Oid => HashAlgorithmName.SHA256,
                HmacSha384Oid => HashAlgorithmName.SHA384,
                HmacSha512Oid => HashAlgorithmName.SHA512,
                _ => throw new SshException($"Unsupported PBKDF2 PRF {prfOid}"),
            };
        }

        var encryption = pbes2.ReadSequence();
        var cipherOid = encryption.ReadObjectIdentifier();
        var iv = encryption.ReadOctetString();
        var (keySize, ivSize) = cipherOid switch
        {
            Aes128CbcOid => (16, 16),
            Aes192CbcOid => (24, 16),
            Aes256CbcOid => (32, 16),
            DesEde3CbcOid => (24, 8),
            _ => throw new SshException($"Unsupported PBES2 cipher {cipherOid}"),
        };

        if (iv.Length != ivSize || (keyLength is { } declared && declared != keySize))
        {
            throw new SshException("Malformed encrypted PKCS#8 private key: the IV or key length does not fit the cipher");
        }

        return (new Parameters(salt, iterations, prf, cipherOid, keySize, iv), encrypted);
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms",
        Justification = "Reading existing DES-EDE3-CBC encrypted keys that OpenSSL wrote; never used to write.")]
    private static SymmetricAlgorithm CreateCipher(string oid) => oid == DesEde3CbcOid ? TripleDES.Create() : Aes.Create();
}
