using System.Security.Cryptography;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Keys;

/// <summary>An ecdsa-sha2-nistp256/384/521 private key backed by the platform's <see cref="ECDsa"/>.</summary>
public sealed class EcdsaPrivateKey : SshPrivateKey
{
    private readonly ECDsa _ecdsa;
    private readonly EcdsaPublicKey _publicKey;

    /// <summary>Takes ownership of <paramref name="ecdsa"/>, which must hold a private key on nistp256/384/521.</summary>
    public EcdsaPrivateKey(ECDsa ecdsa)
    {
        ArgumentNullException.ThrowIfNull(ecdsa);
        _ecdsa = ecdsa;
        _publicKey = EcdsaPublicKey.FromParameters(ecdsa.ExportParameters(includePrivateParameters: false));
    }

    public override SshPublicKey PublicKey => _publicKey;

    /// <summary>The underlying key, for PEM export.</summary>
    internal ECDsa Algorithm
    {
        get
        {
            ThrowIfDisposed();
            return _ecdsa;
        }
    }

    /// <summary>RFC 5656 section 3.1.2: string(alg) || string(mpint r || mpint s).</summary>
    public override byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data)
    {
        CheckCanSign(signatureAlgorithm);
        var curve = _publicKey.Curve;
        Span<byte> fixedSignature = stackalloc byte[2 * curve.FieldSize];
        if (!_ecdsa.TrySignData(data, fixedSignature, curve.Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out var written)
            || written != fixedSignature.Length)
        {
            throw new CryptographicException("ECDSA signing produced an unexpected signature size");
        }

        using var inner = new SshWriter(fixedSignature.Length + 16);
        inner.WriteUnsignedMPInt(fixedSignature[..curve.FieldSize]);
        inner.WriteUnsignedMPInt(fixedSignature[curve.FieldSize..]);
        return EncodeSignatureBlob(curve.KeyType, inner.WrittenSpan);
    }

    /// <summary>OpenSSH's private form: string curve identifier, string Q, mpint d.</summary>
    internal override void WriteOpenSshPrivate(SshWriter writer)
    {
        ThrowIfDisposed();
        var parameters = _ecdsa.ExportParameters(includePrivateParameters: true);
        try
        {
            writer.WriteString(_publicKey.KeyType);
            writer.WriteString(_publicKey.CurveIdentifier);
            _publicKey.WritePoint(writer);
            writer.WriteUnsignedMPInt(parameters.D);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    internal static EcdsaPrivateKey ReadOpenSshFields(EcdsaCurve curve, ref SshReader reader)
    {
        var publicKey = EcdsaPublicKey.ReadFields(curve, ref reader);
        var scalar = reader.ReadUnsignedMPInt("ECDSA private scalar d");
        if (scalar.Length == 0 || scalar.Length > curve.FieldSize)
        {
            throw new SshException($"Malformed {curve.KeyType} private key: the private scalar is out of range");
        }

        // ECParameters.D must be exactly the field size; the mpint dropped the leading zeros.
        var d = new byte[curve.FieldSize];
        scalar.CopyTo(d.AsSpan(d.Length - scalar.Length));
        ECDsa? ecdsa = null;
        try
        {
            // Import d alone so the platform derives Q, then insist it is the Q the file carries.
            ecdsa = ECDsa.Create(new ECParameters { Curve = curve.Curve, D = d });
            var key = new EcdsaPrivateKey(ecdsa);
            if (!key.PublicKey.Equals(publicKey))
            {
                key.Dispose();
                throw new SshException($"Malformed {curve.KeyType} private key: the public key does not match the private key");
            }

            return key;
        }
        catch (CryptographicException e)
        {
            ecdsa?.Dispose();
            throw new SshException($"Malformed {curve.KeyType} private key: {e.Message}", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }
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
