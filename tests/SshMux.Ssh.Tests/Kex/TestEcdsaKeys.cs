using System.Security.Cryptography;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Kex;

/// <summary>
/// A minimal ecdsa-sha2-nistp256 public key (RFC 5656 sections 3.1 and 3.1.2) so the key
/// exchange can be tested without the real key classes.
/// </summary>
internal sealed class TestEcdsaPublicKey : SshPublicKey
{
    public const string Type = "ecdsa-sha2-nistp256";

    private readonly ECParameters _parameters;
    private readonly byte[] _blob;

    public TestEcdsaPublicKey(ECPoint q)
    {
        _parameters = new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = q };
        using var w = new SshWriter();
        w.WriteString(Type).WriteString("nistp256");
        var point = new byte[65];
        point[0] = 4;
        q.X!.CopyTo(point, 1);
        q.Y!.CopyTo(point, 33);
        w.WriteBinary(point);
        _blob = w.ToArray();
    }

    public override string KeyType => Type;

    public override ReadOnlyMemory<byte> Blob => _blob;

    public override IReadOnlyList<string> SignatureAlgorithms => [Type];

    public static TestEcdsaPublicKey FromBlob(byte[] blob)
    {
        var r = new SshReader(blob);
        if (r.ReadAsciiString("key type") != Type || r.ReadAsciiString("curve") != "nistp256")
        {
            throw new SshException(DisconnectReason.KeyExchangeFailed, "test key decoder: not an ecdsa-sha2-nistp256 blob");
        }

        var point = r.ReadBinary("Q");
        r.EnsureEnd("test ecdsa key");
        if (point.Length != 65 || point[0] != 4)
        {
            throw new SshException(DisconnectReason.KeyExchangeFailed, "test key decoder: bad point");
        }

        return new TestEcdsaPublicKey(new ECPoint { X = point[1..33].ToArray(), Y = point[33..].ToArray() });
    }

    public override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob)
    {
        if (signatureAlgorithm != Type)
        {
            return false;
        }

        var r = new SshReader(signatureBlob);
        if (r.ReadAsciiString("algorithm") != Type)
        {
            return false;
        }

        var inner = new SshReader(r.ReadBinary("signature"));
        r.EnsureEnd("signature");
        var rs = new byte[64];
        var rPart = inner.ReadUnsignedMPInt("r");
        var sPart = inner.ReadUnsignedMPInt("s");
        inner.EnsureEnd("ecdsa signature");
        if (rPart.Length > 32 || sPart.Length > 32)
        {
            return false;
        }

        rPart.CopyTo(rs.AsSpan(32 - rPart.Length));
        sPart.CopyTo(rs.AsSpan(64 - sPart.Length));
        using var ecdsa = ECDsa.Create(_parameters);
        return ecdsa.VerifyData(data, rs, HashAlgorithmName.SHA256);
    }
}

/// <summary>The signing half: signatures are string "ecdsa-sha2-nistp256", string (mpint r, mpint s).</summary>
internal sealed class TestEcdsaPrivateKey : SshPrivateKey
{
    private readonly ECDsa _ecdsa;

    private TestEcdsaPrivateKey(ECDsa ecdsa)
    {
        _ecdsa = ecdsa;
        PublicKey = new TestEcdsaPublicKey(ecdsa.ExportParameters(false).Q);
    }

    public override SshPublicKey PublicKey { get; }

    public static TestEcdsaPrivateKey Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static TestEcdsaPrivateKey FromPrivateScalar(byte[] d) =>
        new(ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d }));

    public override byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data)
    {
        if (signatureAlgorithm != TestEcdsaPublicKey.Type)
        {
            throw new ArgumentException($"test key cannot sign {signatureAlgorithm}", nameof(signatureAlgorithm));
        }

        var rs = _ecdsa.SignData(data, HashAlgorithmName.SHA256);
        using var inner = new SshWriter();
        inner.WriteUnsignedMPInt(rs.AsSpan(0, 32)).WriteUnsignedMPInt(rs.AsSpan(32));
        using var w = new SshWriter();
        w.WriteString(TestEcdsaPublicKey.Type).WriteBinary(inner.WrittenSpan);
        return w.ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ecdsa.Dispose();
        }

        base.Dispose(disposing);
    }
}
