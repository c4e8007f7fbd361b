using System.Numerics;
using System.Security.Cryptography;

namespace SshMux.Ssh.Keys;

/// <summary>
/// One of the three RFC 5656 required curves with everything the key layer needs about it:
/// names (section 6.1 identifiers), the field size, the hash for signatures (section 6.2.1)
/// and the curve equation for validating public points (section 3.1 and SEC1 3.2.2.1).
/// </summary>
internal sealed class EcdsaCurve
{
    public static readonly EcdsaCurve NistP256 = new("nistp256", ECCurve.NamedCurves.nistP256, "1.2.840.10045.3.1.7", 256, HashAlgorithmName.SHA256);
    public static readonly EcdsaCurve NistP384 = new("nistp384", ECCurve.NamedCurves.nistP384, "1.3.132.0.34", 384, HashAlgorithmName.SHA384);
    public static readonly EcdsaCurve NistP521 = new("nistp521", ECCurve.NamedCurves.nistP521, "1.3.132.0.35", 521, HashAlgorithmName.SHA512);

    private static readonly EcdsaCurve[] All = [NistP256, NistP384, NistP521];

    private readonly Lazy<(BigInteger Prime, BigInteger A, BigInteger B)> _equation;

    private EcdsaCurve(string identifier, ECCurve curve, string oid, int bits, HashAlgorithmName hash)
    {
        Identifier = identifier;
        KeyType = "ecdsa-sha2-" + identifier;
        Curve = curve;
        Oid = oid;
        Bits = bits;
        FieldSize = (bits + 7) / 8;
        Hash = hash;
        _equation = new(LoadEquation);
    }

    /// <summary>The curve name inside the key blob, e.g. "nistp256".</summary>
    public string Identifier { get; }

    /// <summary>The key type and signature algorithm name, e.g. "ecdsa-sha2-nistp256".</summary>
    public string KeyType { get; }

    public ECCurve Curve { get; }

    public string Oid { get; }

    public int Bits { get; }

    /// <summary>Bytes per coordinate and per signature component (32, 48, 66).</summary>
    public int FieldSize { get; }

    public HashAlgorithmName Hash { get; }

    public static EcdsaCurve? FromKeyType(string keyType) => Array.Find(All, c => c.KeyType == keyType);

    public static EcdsaCurve? FromOid(string? oid) => oid is null ? null : Array.Find(All, c => c.Oid == oid);

    /// <summary>
    /// True when (x, y) are canonical field elements on y^2 = x^3 + ax + b. The point at
    /// infinity has no affine encoding and the NIST prime curves have cofactor 1, so this is
    /// the full public key validation of SEC1 section 3.2.2.1.
    /// </summary>
    public bool IsOnCurve(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        var (prime, a, b) = _equation.Value;
        var px = new BigInteger(x, isUnsigned: true, isBigEndian: true);
        var py = new BigInteger(y, isUnsigned: true, isBigEndian: true);
        if (px >= prime || py >= prime)
        {
            return false;
        }

        var left = BigInteger.ModPow(py, 2, prime);
        var right = ((BigInteger.ModPow(px, 3, prime) + (a * px) + b) % prime + prime) % prime;
        return left == right;
    }

    // The coefficients come from the platform's own curve definition rather than a pasted table.
    private (BigInteger, BigInteger, BigInteger) LoadEquation()
    {
        using var ecdsa = ECDsa.Create(Curve);
        var explicitCurve = ecdsa.ExportExplicitParameters(includePrivateParameters: false).Curve;
        return (
            new BigInteger(explicitCurve.Prime, isUnsigned: true, isBigEndian: true),
            new BigInteger(explicitCurve.A, isUnsigned: true, isBigEndian: true),
            new BigInteger(explicitCurve.B, isUnsigned: true, isBigEndian: true));
    }
}
