using System.Numerics;
using SshMux.Ssh.Crypto;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Keys;

/// <summary>An ssh-ed25519 public key (RFC 8709 section 4: string "ssh-ed25519", string key).</summary>
public sealed class Ed25519PublicKey : SshPublicKey
{
    internal const string TypeName = "ssh-ed25519";

    private static readonly string[] Algorithms = [TypeName];

    private static readonly BigInteger FieldPrime = (BigInteger.One << 255) - 19;

    // d = -121665 / 121666 (RFC 8032 section 5.1).
    private static readonly BigInteger CurveD = Mod(-121665 * BigInteger.ModPow(121666, FieldPrime - 2, FieldPrime), FieldPrime);

    private readonly byte[] _key;
    private readonly byte[] _blob;

    /// <summary>Wraps a 32-byte RFC 8032 public key; a value that is not a curve point raises <see cref="SshException"/>.</summary>
    public Ed25519PublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != Ed25519.PublicKeySize)
        {
            throw new SshException($"Malformed ssh-ed25519 key: the key is {publicKey.Length} bytes, not {Ed25519.PublicKeySize}");
        }

        if (!IsCanonicalPoint(publicKey))
        {
            throw new SshException("Malformed ssh-ed25519 key: the key is not a point on the curve");
        }

        _key = publicKey.ToArray();
        using var writer = new SshWriter(64);
        writer.WriteString(TypeName);
        writer.WriteBinary(_key);
        _blob = writer.ToArray();
    }

    public override string KeyType => TypeName;

    public override ReadOnlyMemory<byte> Blob => _blob;

    public override IReadOnlyList<string> SignatureAlgorithms => Algorithms;

    public override int KeySize => 256;

    /// <summary>The 32-byte encoded point.</summary>
    public ReadOnlyMemory<byte> KeyBytes => _key;

    internal static Ed25519PublicKey ReadFields(ref SshReader reader) => new(reader.ReadBinary("ssh-ed25519 key"));

    /// <summary>RFC 8032 section 5.1.6 and RFC 8709 section 6: the signature is exactly 64 bytes.</summary>
    public override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob) =>
        signatureAlgorithm == TypeName
        && TryReadSignature(signatureBlob, TypeName, out var signature)
        && signature.Length == Ed25519.SignatureSize
        && Ed25519.Verify(_key, data, signature);

    /// <summary>
    /// RFC 8032 section 5.1.3 decoding: y must be below p = 2^255 - 19 and
    /// x^2 = (y^2 - 1) / (d y^2 + 1) must have a square root (with x = 0 only for sign 0).
    /// Public data, so plain big-integer arithmetic is fine here.
    /// </summary>
    private static bool IsCanonicalPoint(ReadOnlySpan<byte> encoded)
    {
        Span<byte> copy = stackalloc byte[32];
        encoded.CopyTo(copy);
        var sign = copy[31] >> 7;
        copy[31] &= 0x7f;

        var p = FieldPrime;
        var y = new BigInteger(copy, isUnsigned: true, isBigEndian: false);
        if (y >= p)
        {
            return false;
        }

        var ySquared = y * y % p;
        var u = Mod(ySquared - 1, p);
        var v = Mod((CurveD * ySquared) + 1, p);
        var xSquared = u * BigInteger.ModPow(v, p - 2, p) % p;
        if (xSquared.IsZero)
        {
            return sign == 0;
        }

        // Euler's criterion: a non-zero square has x^((p-1)/2) = 1.
        return BigInteger.ModPow(xSquared, (p - 1) / 2, p).IsOne;
    }

    private static BigInteger Mod(BigInteger value, BigInteger modulus) => ((value % modulus) + modulus) % modulus;
}
