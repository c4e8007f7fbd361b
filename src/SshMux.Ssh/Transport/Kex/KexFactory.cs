namespace SshMux.Ssh.Transport.Kex;

/// <summary>Creates a key exchange method by its wire name.</summary>
public static class KexFactory
{
    /// <summary>Creates a method; a group-exchange server reads its groups from /etc/ssh/moduli.</summary>
    public static KeyExchange Create(string name) => Create(name, moduliPath: null);

    /// <summary>
    /// Creates a method. <paramref name="moduliPath"/> is the moduli(5) file a
    /// diffie-hellman-group-exchange server chooses from (null: /etc/ssh/moduli); when it is
    /// missing or has no fitting group the server falls back to the RFC 3526 groups.
    /// </summary>
    public static KeyExchange Create(string name, string? moduliPath)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name switch
        {
            "curve25519-sha256" or "curve25519-sha256@libssh.org" => new Curve25519KeyExchange(name),
            "ecdh-sha2-nistp256" or "ecdh-sha2-nistp384" or "ecdh-sha2-nistp521" => new EcdhKeyExchange(name),
            "diffie-hellman-group14-sha256" or "diffie-hellman-group16-sha512" or "diffie-hellman-group18-sha512" => new DhGroupKeyExchange(name),
            DhGroupExchangeKeyExchange.MethodName => new DhGroupExchangeKeyExchange(moduliPath),
            _ => throw new SshException(DisconnectReason.KeyExchangeFailed, $"Unsupported key exchange method {name}"),
        };
    }
}
