using System.Formats.Asn1;
using System.Security.Cryptography;

namespace SshMux.Ssh.Keys;

/// <summary>
/// PKCS#8 private keys, "BEGIN PRIVATE KEY" (RFC 5208 / RFC 5958 PrivateKeyInfo) and
/// "BEGIN ENCRYPTED PRIVATE KEY" (EncryptedPrivateKeyInfo, encrypted with PBES2: see
/// <see cref="Pbes2"/>). RSA and EC keys go through the platform's importers; Ed25519
/// (RFC 8410, which .NET has no type for) is decoded here.
/// </summary>
internal static class Pkcs8PrivateKeyFormat
{
    public const string Label = "PRIVATE KEY";
    public const string EncryptedLabel = "ENCRYPTED PRIVATE KEY";

    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string Ed25519Oid = "1.3.101.112";

    // PEM wraps base64 at 64 columns (RFC 7468 section 2).
    private const int LineLength = 64;

    public static SshPrivateKey Decode(byte[] der)
    {
        string oid;
        try
        {
            var info = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            _ = info.ReadInteger();
            oid = info.ReadSequence().ReadObjectIdentifier();
        }
        catch (AsnContentException e)
        {
            throw new SshException("Malformed PKCS#8 private key: " + e.Message, e);
        }

        return oid switch
        {
            RsaOid => ImportRsa(der),
            EcPublicKeyOid => ImportEcdsa(der),
            Ed25519Oid => DecodeEd25519(der),
            _ => throw new SshException($"Unsupported PKCS#8 private key algorithm {oid}"),
        };
    }

    /// <summary>
    /// Decrypts an EncryptedPrivateKeyInfo. As in OpenSSH's PEM loader, once a passphrase has
    /// been used any failure to decrypt or decode counts as an incorrect passphrase, since a
    /// wrong key yields garbage that fails somewhere.
    /// </summary>
    public static SshPrivateKey DecodeEncrypted(byte[] der, PassphraseCallback? passphrase, string description)
    {
        var plain = Pbes2.Decrypt(der, passphrase, description);
        try
        {
            return Decode(plain);
        }
        catch (SshException e) when (e is not IncorrectPassphraseException)
        {
            throw new IncorrectPassphraseException("Incorrect passphrase supplied to decrypt the private key (the decrypted data is not a key)", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>The unencrypted PrivateKeyInfo DER of a key (caller zeroes it).</summary>
    public static byte[] EncodeDer(SshPrivateKey key) => key switch
    {
        RsaPrivateKey rsa => rsa.Algorithm.ExportPkcs8PrivateKey(),
        EcdsaPrivateKey ecdsa => ecdsa.Algorithm.ExportPkcs8PrivateKey(),
        Ed25519PrivateKey ed25519 => EncodeEd25519(ed25519),
        _ => throw new NotSupportedException($"{key.KeyType} keys cannot be written as PKCS#8"),
    };

    /// <summary>"BEGIN PRIVATE KEY", or "BEGIN ENCRYPTED PRIVATE KEY" when a passphrase is given.</summary>
    public static string Encode(SshPrivateKey key, ReadOnlySpan<byte> passphrase, int iterations = Pbes2.DefaultIterations)
    {
        var der = EncodeDer(key);
        try
        {
            if (passphrase.IsEmpty)
            {
                return PemArmor.Encode(Label, der, LineLength);
            }

            return PemArmor.Encode(EncryptedLabel, Pbes2.Encrypt(der, passphrase, iterations), LineLength);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    private static RsaPrivateKey ImportRsa(byte[] der)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(der, out var read);
            RequireAllRead(read, der.Length);
            return new RsaPrivateKey(rsa);
        }
        catch (Exception e) when (e is CryptographicException or SshException)
        {
            rsa.Dispose();
            throw e as SshException ?? new SshException("Malformed PKCS#8 RSA private key: " + e.Message, e);
        }
    }

    private static EcdsaPrivateKey ImportEcdsa(byte[] der)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportPkcs8PrivateKey(der, out var read);
            RequireAllRead(read, der.Length);
            return new EcdsaPrivateKey(ecdsa);
        }
        catch (Exception e) when (e is CryptographicException or SshException)
        {
            ecdsa.Dispose();
            throw e as SshException ?? new SshException("Malformed PKCS#8 EC private key: " + e.Message, e);
        }
    }

    internal static void RequireAllRead(int read, int length)
    {
        if (read != length)
        {
            throw new SshException($"Malformed private key: {length - read} unexpected trailing bytes after the key");
        }
    }

    /// <summary>
    /// RFC 8410 section 7: PrivateKeyInfo with algorithm id-Ed25519 (no parameters) and
    /// privateKey = OCTET STRING wrapping CurvePrivateKey, itself an OCTET STRING of the seed.
    /// A v2 (RFC 5958) trailing [1] publicKey, if present, must match the seed's key.
    /// </summary>
    private static Ed25519PrivateKey DecodeEd25519(byte[] der)
    {
        byte[]? seed = null;
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER);
            var info = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var version = info.ReadInteger();
            var algorithm = info.ReadSequence();
            _ = algorithm.ReadObjectIdentifier();
            algorithm.ThrowIfNotEmpty();
            var privateKey = info.ReadOctetString();
            seed = new AsnReader(privateKey, AsnEncodingRules.DER).ReadOctetString();
            CryptographicOperations.ZeroMemory(privateKey);
            if (seed.Length != Crypto.Ed25519.SeedSize)
            {
                throw new SshException($"Malformed PKCS#8 Ed25519 key: the seed is {seed.Length} bytes, not 32");
            }

            // Optional attributes [0], then in a v2 structure the public key [1].
            var attributes = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            if (info.HasData && info.PeekTag().HasSameClassAndValue(attributes))
            {
                info.ReadEncodedValue();
            }

            byte[]? embeddedPublic = null;
            var publicTag = new Asn1Tag(TagClass.ContextSpecific, 1);
            if (version == 1 && info.HasData)
            {
                embeddedPublic = info.ReadBitString(out _, publicTag);
            }

            info.ThrowIfNotEmpty();
            var key = new Ed25519PrivateKey(seed);
            if (embeddedPublic is not null && !((Ed25519PublicKey)key.PublicKey).KeyBytes.Span.SequenceEqual(embeddedPublic))
            {
                key.Dispose();
                throw new SshException("Malformed PKCS#8 Ed25519 key: the public key does not match the private key");
            }

            return key;
        }
        catch (AsnContentException e)
        {
            throw new SshException("Malformed PKCS#8 Ed25519 key: " + e.Message, e);
        }
        finally
        {
            if (seed is not null)
            {
                CryptographicOperations.ZeroMemory(seed);
            }
        }
    }

    private static byte[] EncodeEd25519(Ed25519PrivateKey key)
    {
        var inner = new AsnWriter(AsnEncodingRules.DER);
        inner.WriteOctetString(key.Seed);
        var curvePrivateKey = inner.Encode();

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(0);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(Ed25519Oid);
            }

            writer.WriteOctetString(curvePrivateKey);
        }

        CryptographicOperations.ZeroMemory(curvePrivateKey);
        var der = writer.Encode();
        writer.Reset();
        return der;
    }
}
