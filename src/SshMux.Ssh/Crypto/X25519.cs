namespace SshMux.Ssh.Crypto;

/// <summary>X25519 Diffie-Hellman (RFC 7748), constant time in the scalar.</summary>
public static class X25519
{
    public const int KeySize = 32;

    /// <summary>result = X25519(scalar, u). The scalar is clamped as RFC 7748 section 5 says.</summary>
    public static void ScalarMult(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> u, Span<byte> result) => throw new NotImplementedException();

    /// <summary>result = X25519(scalar, 9): the public key of a private scalar.</summary>
    public static void ScalarMultBase(ReadOnlySpan<byte> scalar, Span<byte> result) => throw new NotImplementedException();
}
