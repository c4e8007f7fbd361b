using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace SshMux.Ssh.Crypto;

/// <summary>Ed25519 signatures (RFC 8032 section 5.1), constant time in the secret.</summary>
[SkipLocalsInit]
public static class Ed25519
{
    public const int SeedSize = 32;
    public const int PublicKeySize = 32;
    public const int SignatureSize = 64;

    // One SHA-512 context per thread keeps signing and verifying free of allocations. Every use ends
    // with GetHashAndReset, so no message or key material stays buffered in it.
    [ThreadStatic]
    private static IncrementalHash? t_sha512;

    private static IncrementalHash Sha512 => t_sha512 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA512);

    /// <summary>Derives the public key A = [s]B of a 32-byte seed (RFC 8032 section 5.1.5).</summary>
    public static void PublicKeyFromSeed(ReadOnlySpan<byte> seed, Span<byte> publicKey)
    {
        CheckLength(seed, SeedSize, nameof(seed));
        CheckLength(publicKey, PublicKeySize, nameof(publicKey));

        Span<byte> h = stackalloc byte[64];
        ExpandSeed(seed, h);
        Edwards25519BaseMult.ScalarMultBase(out GeP3 a, h[..32]);
        Edwards25519.Encode(publicKey, a);
        CryptographicOperations.ZeroMemory(h);
    }

    /// <summary>
    /// Signs message (RFC 8032 section 5.1.6). publicKey must be the key of seed, as stored beside it in
    /// the private key; it is trusted rather than recomputed, because recomputing doubles the cost.
    /// A caller that cannot vouch for the pair must derive it with <see cref="PublicKeyFromSeed"/>:
    /// signing one message under two different public keys with the same seed reveals the secret scalar.
    /// message and signature may overlap.
    /// </summary>
    public static void Sign(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, Span<byte> signature)
    {
        CheckLength(seed, SeedSize, nameof(seed));
        CheckLength(publicKey, PublicKeySize, nameof(publicKey));
        CheckLength(signature, SignatureSize, nameof(signature));

        // h = SHA-512(seed): the clamped low half is the secret scalar s, the high half the nonce prefix.
        Span<byte> h = stackalloc byte[64];
        ExpandSeed(seed, h);

        // r = SHA-512(prefix || M) mod L; R = [r]B.
        IncrementalHash sha = Sha512;
        Span<byte> digest = stackalloc byte[64];
        sha.AppendData(h[32..]);
        sha.AppendData(message);
        sha.GetHashAndReset(digest);
        Span<byte> r = stackalloc byte[32];
        Scalar25519.Reduce(r, digest);
        Edwards25519BaseMult.ScalarMultBase(out GeP3 bigR, r);
        Span<byte> rs = stackalloc byte[64];
        Edwards25519.Encode(rs[..32], bigR);

        // k = SHA-512(R || A || M) mod L; S = (r + k s) mod L.
        sha.AppendData(rs[..32]);
        sha.AppendData(publicKey);
        sha.AppendData(message);
        sha.GetHashAndReset(digest);
        Span<byte> k = stackalloc byte[32];
        Scalar25519.Reduce(k, digest);
        Scalar25519.MulAdd(rs[32..], k, h[..32], r);

        // Written last so that a signature buffer overlapping the message cannot change what was hashed.
        rs.CopyTo(signature);

        CryptographicOperations.ZeroMemory(h);
        CryptographicOperations.ZeroMemory(digest);
        CryptographicOperations.ZeroMemory(r);
    }

    /// <summary>
    /// Verifies a signature (RFC 8032 section 5.1.7) with the cofactorless equation [S]B = R + [k]A,
    /// checked as encode([S]B - [k]A) == R. Returns false, never throws, for a signature of the
    /// wrong length, S &gt;= L, a public key or R that does not decode (non-canonical or off the
    /// curve), or a signature that does not match. A public key of the wrong length is a caller
    /// error and throws ArgumentException.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        CheckLength(publicKey, PublicKeySize, nameof(publicKey));
        if (signature.Length != SignatureSize)
        {
            return false;
        }

        ReadOnlySpan<byte> encodedR = signature[..32];
        ReadOnlySpan<byte> s = signature[32..];
        if (!Scalar25519.IsCanonical(s) || !Edwards25519.DecodeVarTime(out GeP3 a, publicKey))
        {
            return false;
        }

        IncrementalHash sha = Sha512;
        Span<byte> digest = stackalloc byte[64];
        sha.AppendData(encodedR);
        sha.AppendData(publicKey);
        sha.AppendData(message);
        sha.GetHashAndReset(digest);
        Span<byte> k = stackalloc byte[32];
        Scalar25519.Reduce(k, digest);

        // R' = [k](-A) + [S]B. The encoding of R' is canonical, so a non-canonical R never matches;
        // that is the rejection RFC 8032 section 5.1.7 step 1 asks for when R fails to decode.
        Edwards25519.Negate(ref a);
        Edwards25519VarTime.DoubleScalarMult(out GeP2 check, k, a, s);
        Span<byte> encodedCheck = stackalloc byte[32];
        Edwards25519.Encode(encodedCheck, check);
        return CryptographicOperations.FixedTimeEquals(encodedCheck, encodedR);
    }

    /// <summary>h = SHA-512(seed) with the low half clamped into the secret scalar (RFC 8032 section 5.1.5 steps 1-2).</summary>
    private static void ExpandSeed(ReadOnlySpan<byte> seed, Span<byte> h)
    {
        SHA512.HashData(seed, h);
        h[0] &= 248;
        h[31] &= 127;
        h[31] |= 64;
    }

    private static void CheckLength(ReadOnlySpan<byte> value, int length, string name)
    {
        if (value.Length != length)
        {
            throw new ArgumentException($"Expected {length} bytes, got {value.Length}.", name);
        }
    }
}
