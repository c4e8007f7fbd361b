namespace SshMux.Ssh.Crypto;

/// <summary>bcrypt_pbkdf as OpenBSD defines it, used by OpenSSH private key files (PROTOCOL.key).</summary>
public static class BcryptPbkdf
{
    public static void DeriveKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int rounds, Span<byte> output) => throw new NotImplementedException();
}
