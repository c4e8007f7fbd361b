using System.Security.Cryptography;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Keys;

/// <summary>
/// An ssh-rsa public key (RFC 4253 section 6.6: string "ssh-rsa", mpint e, mpint n) that verifies
/// rsa-sha2-512 and rsa-sha2-256 (RFC 8332) and SHA-1 ssh-rsa. Whether ssh-rsa is acceptable
/// is a policy decision made by the algorithm negotiation, not here.
/// </summary>
public sealed class RsaPublicKey : SshPublicKey
{
    internal const string TypeName = "ssh-rsa";

    /// <summary>OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE: smaller keys are refused outright.</summary>
    public const int MinimumBits = 1024;

    /// <summary>OpenSSH's SSHBUF_MAX_BIGNUM limit (16384 bits).</summary>
    public const int MaximumBits = 16384;

    private static readonly string[] Algorithms = ["rsa-sha2-512", "rsa-sha2-256", TypeName];

    private readonly byte[] _exponent;
    private readonly byte[] _modulus;
    private readonly byte[] _blob;
    private readonly int _bits;

    private RsaPublicKey(ReadOnlySpan<byte> exponent, ReadOnlySpan<byte> modulus)
    {
        _exponent = exponent.ToArray();
        _modulus = modulus.ToArray();
        _bits = BitLength(modulus);
        using var writer = new SshWriter(modulus.Length + exponent.Length + 32);
        writer.WriteString(TypeName);
        writer.WriteUnsignedMPInt(_exponent);
        writer.WriteUnsignedMPInt(_modulus);
        _blob = writer.ToArray();
    }

    public override string KeyType => TypeName;

    public override ReadOnlyMemory<byte> Blob => _blob;

    public override IReadOnlyList<string> SignatureAlgorithms => Algorithms;

    /// <summary>The modulus size in bits.</summary>
    public override int KeySize => _bits;

    public RSAParameters ExportParameters() => new()
    {
        Exponent = (byte[])_exponent.Clone(),
        Modulus = (byte[])_modulus.Clone(),
    };

    /// <summary>Builds a key from RSA parameters (only the public half is used).</summary>
    public static RsaPublicKey FromParameters(RSAParameters parameters)
    {
        if (parameters.Exponent is null || parameters.Modulus is null)
        {
            throw new ArgumentException("The RSA parameters have no public key", nameof(parameters));
        }

        return Create(StripLeadingZeros(parameters.Exponent), StripLeadingZeros(parameters.Modulus));
    }

    internal static RsaPublicKey ReadFields(ref SshReader reader)
    {
        var exponent = reader.ReadUnsignedMPInt("RSA exponent e");
        var modulus = reader.ReadUnsignedMPInt("RSA modulus n");
        return Create(exponent, modulus);
    }

    private static RsaPublicKey Create(ReadOnlySpan<byte> exponent, ReadOnlySpan<byte> modulus)
    {
        var bits = BitLength(modulus);
        if (bits < MinimumBits)
        {
            throw new SshException($"RSA key is too small: {bits} bits (the minimum is {MinimumBits})");
        }

        if (bits > MaximumBits)
        {
            throw new SshException($"RSA key is too large: {bits} bits (the maximum is {MaximumBits})");
        }

        // An even modulus or exponent (or e = 1) cannot be an RSA key.
        if ((modulus[^1] & 1) == 0 || exponent.Length == 0 || (exponent[^1] & 1) == 0 || (exponent.Length == 1 && exponent[0] == 1))
        {
            throw new SshException("Malformed ssh-rsa key: the exponent or modulus is not valid for RSA");
        }

        if (exponent.Length > modulus.Length)
        {
            throw new SshException("Malformed ssh-rsa key: the exponent is larger than the modulus");
        }

        return new RsaPublicKey(exponent, modulus);
    }

    /// <summary>The hash for one of the three RSA signature algorithms, or null for anything else.</summary>
    internal static HashAlgorithmName? HashFor(string signatureAlgorithm) => signatureAlgorithm switch
    {
        "rsa-sha2-512" => HashAlgorithmName.SHA512,
        "rsa-sha2-256" => HashAlgorithmName.SHA256,
        TypeName => HashAlgorithmName.SHA1,
        _ => null,
    };

    /// <summary>
    /// RFC 8332 section 3 / RFC 4253 section 6.6: PKCS#1 v1.5 over the named hash. Like OpenSSH
    /// (ssh-rsa.c), a signature shorter than the modulus is left-padded with zeros; a longer one fails.
    /// </summary>
    public override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob)
    {
        if (HashFor(signatureAlgorithm) is not { } hash || !TryReadSignature(signatureBlob, signatureAlgorithm, out var signature))
        {
            return false;
        }

        if (signature.Length == 0 || signature.Length > _modulus.Length)
        {
            return false;
        }

        var padded = new byte[_modulus.Length];
        signature.CopyTo(padded.AsSpan(padded.Length - signature.Length));

        using var rsa = RSA.Create(ExportParameters());
        return rsa.VerifyData(data, padded, hash, RSASignaturePadding.Pkcs1);
    }

    private static int BitLength(ReadOnlySpan<byte> magnitude)
    {
        var start = 0;
        while (start < magnitude.Length && magnitude[start] == 0)
        {
            start++;
        }

        if (start == magnitude.Length)
        {
            return 0;
        }

        return ((magnitude.Length - start - 1) * 8) + (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)magnitude[start]));
    }

    private static ReadOnlySpan<byte> StripLeadingZeros(ReadOnlySpan<byte> value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        return value[start..];
    }
}
