namespace SshMux.Ssh.Crypto;

/// <summary>Ed25519 signatures (RFC 8032 section 5.1), constant time in the secret.</summary>
public static class Ed25519
{
    public const int SeedSize = 32;
    public const int PublicKeySize = 32;
    public const int SignatureSize = 64;

    public static void PublicKeyFromSeed(ReadOnlySpan<byte> seed, Span<byte> publicKey) => throw new NotImplementedException();

    public static void Sign(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, Span<byte> signature) => throw new NotImplementedException();

    /// <summary>Strict verification: rejects non-canonical S (S &gt;= L) and points that do not decode.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) => throw new NotImplementedException();
}
