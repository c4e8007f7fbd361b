using System.Security.Cryptography;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Keys;

/// <summary>
/// An ecdsa-sha2-nistp256/384/521 public key (RFC 5656 section 3.1: string type,
/// string curve identifier, string Q as an uncompressed SEC1 point).
/// </summary>
public sealed class EcdsaPublicKey : SshPublicKey
{
    private readonly EcdsaCurve _curve;
    private readonly byte[] _x;
    private readonly byte[] _y;
    private readonly byte[] _blob;
    private readonly string[] _algorithms;

    private EcdsaPublicKey(EcdsaCurve curve, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        _curve = curve;
        _x = x.ToArray();
        _y = y.ToArray();
        _algorithms = [curve.KeyType];
        using var writer = new SshWriter(64 + (2 * curve.FieldSize));
        writer.WriteString(curve.KeyType);
        writer.WriteString(curve.Identifier);
        WritePoint(writer);
        _blob = writer.ToArray();
    }

    public override string KeyType => _curve.KeyType;

    public override ReadOnlyMemory<byte> Blob => _blob;

    public override IReadOnlyList<string> SignatureAlgorithms => _algorithms;

    public override int KeySize => _curve.Bits;

    /// <summary>The RFC 5656 curve identifier, e.g. "nistp256".</summary>
    public string CurveIdentifier => _curve.Identifier;

    internal EcdsaCurve Curve => _curve;

    /// <summary>The public point as .NET parameters (for interoperating with <see cref="ECDsa"/>).</summary>
    public ECParameters ExportParameters() => new()
    {
        Curve = _curve.Curve,
        Q = new ECPoint { X = (byte[])_x.Clone(), Y = (byte[])_y.Clone() },
    };

    /// <summary>Builds a key from an <see cref="ECDsa"/> on one of the three supported curves.</summary>
    public static EcdsaPublicKey FromParameters(ECParameters parameters)
    {
        var curve = EcdsaCurve.FromOid(parameters.Curve.Oid?.Value)
            ?? throw new SshException($"Unsupported ECDSA curve {parameters.Curve.Oid?.Value ?? parameters.Curve.Oid?.FriendlyName ?? "(unnamed)"}");
        if (parameters.Q.X is null || parameters.Q.Y is null)
        {
            throw new ArgumentException("The ECDSA parameters have no public point", nameof(parameters));
        }

        return Create(curve, parameters.Q.X, parameters.Q.Y);
    }

    /// <summary>The blob after the type: string curve identifier, string Q (RFC 5656 section 3.1).</summary>
    internal static EcdsaPublicKey ReadFields(EcdsaCurve curve, ref SshReader reader)
    {
        var identifier = reader.ReadBinary("ECDSA curve identifier");
        if (!identifier.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(curve.Identifier)))
        {
            throw new SshException($"Malformed {curve.KeyType} key: curve identifier \"{DescribeBytes(identifier)}\" does not match the key type");
        }

        return ReadPoint(curve, reader.ReadBinary("ECDSA public point"));
    }

    /// <summary>SEC1 section 2.3.4: only the uncompressed form 0x04 || X || Y, which is what RFC 5656 uses.</summary>
    internal static EcdsaPublicKey ReadPoint(EcdsaCurve curve, ReadOnlySpan<byte> point)
    {
        if (point.Length != 1 + (2 * curve.FieldSize) || point[0] != 0x04)
        {
            throw new SshException($"Malformed {curve.KeyType} key: the point is not an uncompressed {curve.Identifier} point ({point.Length} bytes)");
        }

        return Create(curve, point.Slice(1, curve.FieldSize), point[(1 + curve.FieldSize)..]);
    }

    private static EcdsaPublicKey Create(EcdsaCurve curve, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        if (x.Length != curve.FieldSize || y.Length != curve.FieldSize || !curve.IsOnCurve(x, y))
        {
            throw new SshException($"Malformed {curve.KeyType} key: the point is not on the {curve.Identifier} curve");
        }

        return new EcdsaPublicKey(curve, x, y);
    }

    internal void WritePoint(SshWriter writer)
    {
        writer.WriteUInt32((uint)(1 + (2 * _curve.FieldSize)));
        writer.WriteByte(0x04);
        writer.WriteRaw(_x);
        writer.WriteRaw(_y);
    }

    /// <summary>RFC 5656 section 3.1.2: the signature is string(mpint r || mpint s), hashed with the curve's hash.</summary>
    public override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob)
    {
        if (signatureAlgorithm != _curve.KeyType || !TryReadSignature(signatureBlob, _curve.KeyType, out var signature))
        {
            return false;
        }

        Span<byte> fixedSignature = stackalloc byte[2 * _curve.FieldSize];
        if (!TryConvertToFixed(signature, _curve.FieldSize, fixedSignature))
        {
            return false;
        }

        using var ecdsa = ECDsa.Create(ExportParameters());
        return ecdsa.VerifyData(data, fixedSignature, _curve.Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>mpint r, mpint s to the r || s fixed-width form; false for anything malformed or out of range.</summary>
    private static bool TryConvertToFixed(ReadOnlySpan<byte> signature, int fieldSize, Span<byte> destination)
    {
        try
        {
            var reader = new SshReader(signature);
            var r = reader.ReadUnsignedMPInt("ECDSA r");
            var s = reader.ReadUnsignedMPInt("ECDSA s");
            if (!reader.AtEnd || r.Length == 0 || s.Length == 0 || r.Length > fieldSize || s.Length > fieldSize)
            {
                return false;
            }

            destination.Clear();
            r.CopyTo(destination[(fieldSize - r.Length)..fieldSize]);
            s.CopyTo(destination[((2 * fieldSize) - s.Length)..]);
            return true;
        }
        catch (SshException)
        {
            return false;
        }
    }
}
