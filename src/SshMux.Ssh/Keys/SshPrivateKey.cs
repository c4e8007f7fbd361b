using System.Security.Cryptography;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Keys;

/// <summary>A private key that can sign: ed25519, ecdsa (nistp256/384/521) or rsa.</summary>
public abstract class SshPrivateKey : IDisposable
{
    /// <summary>Keys <see cref="Generate"/> refuses to make smaller than this (NIST SP 800-131A).</summary>
    public const int MinimumGeneratedRsaBits = 2048;

    private bool _disposed;

    public abstract SshPublicKey PublicKey { get; }

    /// <summary>The key type name, e.g. "ssh-ed25519".</summary>
    public string KeyType => PublicKey.KeyType;

    /// <summary>Signs data and returns the signature blob (string algorithm, string signature).</summary>
    /// <exception cref="ArgumentException">The algorithm is not one of the public key's <see cref="SshPublicKey.SignatureAlgorithms"/>.</exception>
    public abstract byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data);

    /// <summary>The checks every <see cref="Sign"/> starts with.</summary>
    private protected void CheckCanSign(string signatureAlgorithm)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!PublicKey.SignatureAlgorithms.Contains(signatureAlgorithm))
        {
            throw new ArgumentException($"A {KeyType} key cannot make \"{signatureAlgorithm}\" signatures", nameof(signatureAlgorithm));
        }
    }

    /// <summary>Writes string(algorithm) || string(signature), the RFC 4253 section 6.6 signature blob.</summary>
    private protected static byte[] EncodeSignatureBlob(string algorithm, ReadOnlySpan<byte> signature)
    {
        using var writer = new SshWriter(signature.Length + algorithm.Length + 8);
        writer.WriteString(algorithm);
        writer.WriteBinary(signature);
        return writer.ToArray();
    }

    private protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>
    /// Writes the private key as PROTOCOL.key section 3 lists it (the sshkey_private_serialize
    /// form: string type, then the public and private fields of the type).
    /// </summary>
    internal virtual void WriteOpenSshPrivate(SshWriter writer) =>
        throw new NotSupportedException($"{GetType().Name} keys cannot be written to a key file");

    /// <summary>Reads one private key in the form <see cref="WriteOpenSshPrivate"/> writes.</summary>
    internal static SshPrivateKey ReadOpenSshPrivate(ref SshReader reader)
    {
        var type = reader.ReadAsciiString("private key type");
        return type switch
        {
            Ed25519PublicKey.TypeName => Ed25519PrivateKey.ReadOpenSshFields(ref reader),
            RsaPublicKey.TypeName => RsaPrivateKey.ReadOpenSshFields(ref reader),
            _ when EcdsaCurve.FromKeyType(type) is { } curve => EcdsaPrivateKey.ReadOpenSshFields(curve, ref reader),
            _ => throw new SshException($"Unsupported private key type \"{SshPublicKey.Truncate(type)}\""),
        };
    }

    /// <summary>Generates a key from the OS CSPRNG. keyType is "ssh-ed25519", "ecdsa-sha2-nistp256/384/521" or "ssh-rsa".</summary>
    public static SshPrivateKey Generate(string keyType, int rsaBits = 3072)
    {
        ArgumentNullException.ThrowIfNull(keyType);
        if (keyType == Ed25519PublicKey.TypeName)
        {
            Span<byte> seed = stackalloc byte[Crypto.Ed25519.SeedSize];
            try
            {
                RandomNumberGenerator.Fill(seed);
                return new Ed25519PrivateKey(seed);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(seed);
            }
        }

        if (EcdsaCurve.FromKeyType(keyType) is { } curve)
        {
            return new EcdsaPrivateKey(ECDsa.Create(curve.Curve));
        }

        if (keyType == RsaPublicKey.TypeName)
        {
            if (rsaBits < MinimumGeneratedRsaBits || rsaBits > RsaPublicKey.MaximumBits)
            {
                throw new ArgumentOutOfRangeException(nameof(rsaBits), rsaBits,
                    $"RSA keys are generated with {MinimumGeneratedRsaBits} to {RsaPublicKey.MaximumBits} bits");
            }

            return new RsaPrivateKey(RSA.Create(rsaBits));
        }

        throw new ArgumentException($"Cannot generate keys of type \"{keyType}\"", nameof(keyType));
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) => _disposed = true;
}
