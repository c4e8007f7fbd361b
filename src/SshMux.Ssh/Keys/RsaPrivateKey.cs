using System.Numerics;
using System.Security.Cryptography;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Keys;

/// <summary>An ssh-rsa private key backed by the platform's <see cref="RSA"/>; signs with PKCS#1 v1.5.</summary>
public sealed class RsaPrivateKey : SshPrivateKey
{
    private readonly RSA _rsa;
    private readonly RsaPublicKey _publicKey;

    /// <summary>
    /// Takes ownership of <paramref name="rsa"/>, which must hold a private key. Keys under
    /// <see cref="RsaPublicKey.MinimumBits"/> raise <see cref="SshException"/>.
    /// </summary>
    public RsaPrivateKey(RSA rsa)
    {
        ArgumentNullException.ThrowIfNull(rsa);
        _rsa = rsa;
        _publicKey = RsaPublicKey.FromParameters(rsa.ExportParameters(includePrivateParameters: false));
    }

    public override SshPublicKey PublicKey => _publicKey;

    internal RSA Algorithm
    {
        get
        {
            ThrowIfDisposed();
            return _rsa;
        }
    }

    /// <summary>
    /// RFC 8332 section 3 (rsa-sha2-256/512) and RFC 4253 section 6.6 (ssh-rsa): string(alg) ||
    /// string(PKCS#1 v1.5 signature), the signature as long as the modulus.
    /// </summary>
    public override byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data)
    {
        CheckCanSign(signatureAlgorithm);
        var hash = RsaPublicKey.HashFor(signatureAlgorithm)!.Value;
        var signature = new byte[(_rsa.KeySize + 7) / 8];
        if (!_rsa.TrySignData(data, signature, hash, RSASignaturePadding.Pkcs1, out var written) || written != signature.Length)
        {
            throw new CryptographicException("RSA signing produced an unexpected signature size");
        }

        return EncodeSignatureBlob(signatureAlgorithm, signature);
    }

    /// <summary>OpenSSH's private form (ssh-rsa.c): mpint n, mpint e, mpint d, mpint iqmp, mpint p, mpint q.</summary>
    internal override void WriteOpenSshPrivate(SshWriter writer)
    {
        ThrowIfDisposed();
        var parameters = _rsa.ExportParameters(includePrivateParameters: true);
        try
        {
            writer.WriteString(RsaPublicKey.TypeName);
            writer.WriteUnsignedMPInt(parameters.Modulus);
            writer.WriteUnsignedMPInt(parameters.Exponent);
            writer.WriteUnsignedMPInt(parameters.D);
            writer.WriteUnsignedMPInt(parameters.InverseQ);
            writer.WriteUnsignedMPInt(parameters.P);
            writer.WriteUnsignedMPInt(parameters.Q);
        }
        finally
        {
            ZeroPrivate(parameters);
        }
    }

    internal static RsaPrivateKey ReadOpenSshFields(ref SshReader reader)
    {
        var modulus = reader.ReadUnsignedMPInt("RSA modulus n");
        var exponent = reader.ReadUnsignedMPInt("RSA exponent e");
        var d = reader.ReadUnsignedMPInt("RSA private exponent d");
        var inverseQ = reader.ReadUnsignedMPInt("RSA iqmp");
        var p = reader.ReadUnsignedMPInt("RSA prime p");
        var q = reader.ReadUnsignedMPInt("RSA prime q");
        return FromComponents(modulus, exponent, d, inverseQ, p, q);
    }

    /// <summary>
    /// Builds the key from the components OpenSSH stores. The platform also wants the CRT
    /// exponents d mod (p-1) and d mod (q-1), which the file leaves out; they are computed
    /// once here, at load time, with BigInteger (not constant time, but a single local
    /// computation that an attacker cannot repeat or observe per signature).
    /// </summary>
    private static RsaPrivateKey FromComponents(ReadOnlySpan<byte> modulus, ReadOnlySpan<byte> exponent, ReadOnlySpan<byte> d,
        ReadOnlySpan<byte> inverseQ, ReadOnlySpan<byte> p, ReadOnlySpan<byte> q)
    {
        // Checks the public half first so too-small keys get the clear size error.
        _ = RsaPublicKey.FromParameters(new RSAParameters { Modulus = modulus.ToArray(), Exponent = exponent.ToArray() });

        var size = modulus.Length;
        var half = (size + 1) / 2;
        if (d.Length == 0 || d.Length > size || p.Length == 0 || p.Length > half || q.Length == 0 || q.Length > half
            || inverseQ.Length == 0 || inverseQ.Length > half)
        {
            throw new SshException("Malformed ssh-rsa private key: a private component has the wrong size");
        }

        var dValue = new BigInteger(d, isUnsigned: true, isBigEndian: true);
        var pValue = new BigInteger(p, isUnsigned: true, isBigEndian: true);
        var qValue = new BigInteger(q, isUnsigned: true, isBigEndian: true);
        if (pValue * qValue != new BigInteger(modulus, isUnsigned: true, isBigEndian: true))
        {
            throw new SshException("Malformed ssh-rsa private key: p * q is not the modulus");
        }

        var parameters = new RSAParameters
        {
            Modulus = modulus.ToArray(),
            Exponent = exponent.ToArray(),
            D = LeftPad(d, size),
            P = LeftPad(p, half),
            Q = LeftPad(q, half),
            DP = ToFixed(dValue % (pValue - 1), half),
            DQ = ToFixed(dValue % (qValue - 1), half),
            InverseQ = LeftPad(inverseQ, half),
        };

        RSA? rsa = null;
        try
        {
            rsa = RSA.Create(parameters);
            return new RsaPrivateKey(rsa);
        }
        catch (CryptographicException e)
        {
            rsa?.Dispose();
            throw new SshException($"Malformed ssh-rsa private key: {e.Message}", e);
        }
        finally
        {
            ZeroPrivate(parameters);
        }
    }

    internal static void ZeroPrivate(RSAParameters parameters)
    {
        CryptographicOperations.ZeroMemory(parameters.D);
        CryptographicOperations.ZeroMemory(parameters.P);
        CryptographicOperations.ZeroMemory(parameters.Q);
        CryptographicOperations.ZeroMemory(parameters.DP);
        CryptographicOperations.ZeroMemory(parameters.DQ);
        CryptographicOperations.ZeroMemory(parameters.InverseQ);
    }

    // RSAParameters wants D as long as the modulus and the CRT values half as long.
    private static byte[] LeftPad(ReadOnlySpan<byte> value, int size)
    {
        var result = new byte[size];
        value.CopyTo(result.AsSpan(size - value.Length));
        return result;
    }

    private static byte[] ToFixed(BigInteger value, int size)
    {
        var result = new byte[size];
        if (!value.TryWriteBytes(result.AsSpan(size - value.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true))
        {
            throw new SshException("Malformed ssh-rsa private key: a CRT exponent is out of range");
        }

        return result;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rsa.Dispose();
        }

        base.Dispose(disposing);
    }
}
