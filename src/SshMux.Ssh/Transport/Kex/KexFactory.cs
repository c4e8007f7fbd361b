namespace SshMux.Ssh.Transport.Kex;

/// <summary>Creates a key exchange method by its wire name.</summary>
public static class KexFactory
{
    public static KeyExchange Create(string name) => throw new NotImplementedException(name);
}
