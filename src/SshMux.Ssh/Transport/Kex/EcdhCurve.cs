using System.Numerics;
using System.Security.Cryptography;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>A NIST prime curve with the field constants needed to check that a point lies on it.</summary>
internal sealed class EcdhCurve
{
    public static readonly EcdhCurve P256 = new(ECCurve.NamedCurves.nistP256, HashAlgorithmName.SHA256);
    public static readonly EcdhCurve P384 = new(ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384);
    public static readonly EcdhCurve P521 = new(ECCurve.NamedCurves.nistP521, HashAlgorithmName.SHA512);

    private readonly BigInteger _p;
    private readonly BigInteger _a;
    private readonly BigInteger _b;

    private EcdhCurve(ECCurve curve, HashAlgorithmName hash)
    {
        Curve = curve;
        Hash = hash;

        // The platform knows the domain parameters; take them from it rather than restating them.
        using var probe = ECDiffieHellman.Create(curve);
        var explicitCurve = probe.ExportExplicitParameters(false).Curve;
        _p = Unsigned(explicitCurve.Prime!);
        _a = Unsigned(explicitCurve.A!);
        _b = Unsigned(explicitCurve.B!);
        FieldSize = explicitCurve.Prime!.Length;
    }

    public ECCurve Curve { get; }

    public HashAlgorithmName Hash { get; }

    /// <summary>Bytes per coordinate: 32, 48 or 66.</summary>
    public int FieldSize { get; }

    /// <summary>SEC1 uncompressed encoding 0x04 || X || Y, the form RFC 5656 section 4 uses for Q.</summary>
    public byte[] Encode(ECPoint q)
    {
        var encoded = new byte[1 + (2 * FieldSize)];
        encoded[0] = 0x04;
        q.X.AsSpan().CopyTo(encoded.AsSpan(1 + FieldSize - q.X!.Length, q.X.Length));
        q.Y.AsSpan().CopyTo(encoded.AsSpan(1 + (2 * FieldSize) - q.Y!.Length, q.Y.Length));
        return encoded;
    }

    /// <summary>
    /// RFC 5656 section 4 requires the receiver to validate the point (SEC1 3.2.2.1): the
    /// right length, the uncompressed form, coordinates below p and y^2 = x^3 + ax + b.
    /// These curves have cofactor 1, so a point on the curve is in the prime-order group.
    /// Returns null when any check fails; all inputs are public.
    /// </summary>
    public ECPoint? DecodeAndValidate(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length != 1 + (2 * FieldSize) || encoded[0] != 0x04)
        {
            return null;
        }

        var xBytes = encoded.Slice(1, FieldSize);
        var yBytes = encoded.Slice(1 + FieldSize, FieldSize);
        var x = Unsigned(xBytes);
        var y = Unsigned(yBytes);
        if (x >= _p || y >= _p)
        {
            return null;
        }

        var left = BigInteger.ModPow(y, 2, _p);
        var right = (((((x * x) % _p) + _a) % _p * x) + _b) % _p;
        if (left != right)
        {
            return null;
        }

        return new ECPoint { X = xBytes.ToArray(), Y = yBytes.ToArray() };
    }

    private static BigInteger Unsigned(ReadOnlySpan<byte> bigEndian) => new(bigEndian, isUnsigned: true, isBigEndian: true);
}
