using System.Security.Cryptography;
using SshMux.Ssh.Crypto;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Keys;

/// <summary>An ssh-ed25519 private key: the 32-byte RFC 8032 seed and its public key.</summary>
public sealed class Ed25519PrivateKey : SshPrivateKey
{
    private readonly byte[] _seed;
    private readonly Ed25519PublicKey _publicKey;

    /// <summary>Derives the key pair from a 32-byte seed (the seed is copied).</summary>
    public Ed25519PrivateKey(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Ed25519.SeedSize)
        {
            throw new ArgumentException($"An Ed25519 seed is {Ed25519.SeedSize} bytes", nameof(seed));
        }

        _seed = seed.ToArray();
        Span<byte> publicKey = stackalloc byte[Ed25519.PublicKeySize];
        Ed25519.PublicKeyFromSeed(_seed, publicKey);
        _publicKey = new Ed25519PublicKey(publicKey);
    }

    public override SshPublicKey PublicKey => _publicKey;

    /// <summary>The seed, for PKCS#8 export (RFC 8410 stores exactly this).</summary>
    internal ReadOnlySpan<byte> Seed
    {
        get
        {
            ThrowIfDisposed();
            return _seed;
        }
    }

    /// <summary>RFC 8709 section 6: string "ssh-ed25519", string signature (64 bytes).</summary>
    public override byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data)
    {
        CheckCanSign(signatureAlgorithm);
        Span<byte> signature = stackalloc byte[Ed25519.SignatureSize];
        Ed25519.Sign(_seed, _publicKey.KeyBytes.Span, data, signature);
        return EncodeSignatureBlob(Ed25519PublicKey.TypeName, signature);
    }

    /// <summary>
    /// OpenSSH's private form (sshkey.c, ssh-ed25519.c): string pk, string sk where sk is the
    /// 64-byte NaCl secret key, seed || pk.
    /// </summary>
    internal override void WriteOpenSshPrivate(SshWriter writer)
    {
        ThrowIfDisposed();
        var publicKey = _publicKey.KeyBytes.Span;
        writer.WriteString(Ed25519PublicKey.TypeName);
        writer.WriteBinary(publicKey);
        writer.WriteUInt32((uint)(Ed25519.SeedSize + Ed25519.PublicKeySize));
        writer.WriteRaw(_seed);
        writer.WriteRaw(publicKey);
    }

    internal static Ed25519PrivateKey ReadOpenSshFields(ref SshReader reader)
    {
        var publicKey = reader.ReadBinary("ssh-ed25519 public key");
        var secret = reader.ReadBinary("ssh-ed25519 secret key");
        if (publicKey.Length != Ed25519.PublicKeySize || secret.Length != Ed25519.SeedSize + Ed25519.PublicKeySize)
        {
            throw new SshException($"Malformed ssh-ed25519 private key: the key fields are {publicKey.Length} and {secret.Length} bytes, not 32 and 64");
        }

        // The secret key repeats the public key, and both must be what the seed gives.
        var key = new Ed25519PrivateKey(secret[..Ed25519.SeedSize]);
        var derived = key._publicKey.KeyBytes.Span;
        if (!derived.SequenceEqual(publicKey) || !derived.SequenceEqual(secret[Ed25519.SeedSize..]))
        {
            key.Dispose();
            throw new SshException("Malformed ssh-ed25519 private key: the public key does not match the private key");
        }

        return key;
    }

    protected override void Dispose(bool disposing)
    {
        CryptographicOperations.ZeroMemory(_seed);
        base.Dispose(disposing);
    }
}
