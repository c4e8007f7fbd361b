using SshMux.Ssh.Transport.Kex;

namespace SshMux.Ssh.Tests.Kex;

/// <summary>Builds the concrete methods with the internal test seams filled in.</summary>
internal static class TestMethods
{
    /// <summary>
    /// Creates a method. By default the client decodes K_S with the test ECDSA decoder; pass
    /// useTestDecoder: false to go through SshPublicKey.FromBlob (real keys).
    /// </summary>
    public static KexMethod Create(string name, byte[]? fixedKey = null, string? moduliPath = null, bool useTestDecoder = true)
    {
        Func<byte[], SshMux.Ssh.Keys.SshPublicKey>? decoder = useTestDecoder ? TestEcdsaPublicKey.FromBlob : null;
        return name switch
        {
            "curve25519-sha256" or "curve25519-sha256@libssh.org" =>
                new Curve25519KeyExchange(name) { FixedEphemeralKey = fixedKey, HostKeyDecoder = decoder },
            "ecdh-sha2-nistp256" or "ecdh-sha2-nistp384" or "ecdh-sha2-nistp521" =>
                new EcdhKeyExchange(name) { FixedEphemeralKey = fixedKey, HostKeyDecoder = decoder },
            "diffie-hellman-group14-sha256" or "diffie-hellman-group16-sha512" or "diffie-hellman-group18-sha512" =>
                new DhGroupKeyExchange(name) { FixedEphemeralKey = fixedKey, HostKeyDecoder = decoder },
            DhGroupExchangeKeyExchange.MethodName =>
                new DhGroupExchangeKeyExchange(moduliPath) { FixedEphemeralKey = fixedKey, HostKeyDecoder = decoder },
            _ => throw new ArgumentException(name, nameof(name)),
        };
    }
}
