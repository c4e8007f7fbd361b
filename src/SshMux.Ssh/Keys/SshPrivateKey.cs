namespace SshMux.Ssh.Keys;

/// <summary>A private key that can sign: ed25519, ecdsa (nistp256/384/521) or rsa.</summary>
public abstract class SshPrivateKey : IDisposable
{
    public abstract SshPublicKey PublicKey { get; }

    /// <summary>Signs data and returns the signature blob (string algorithm, string signature).</summary>
    public abstract byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data);

    /// <summary>Generates a key from the OS CSPRNG. keyType is "ssh-ed25519", "ecdsa-sha2-nistp256/384/521" or "ssh-rsa".</summary>
    public static SshPrivateKey Generate(string keyType, int rsaBits = 3072) => throw new NotImplementedException();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
