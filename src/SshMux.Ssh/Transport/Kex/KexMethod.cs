using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>What the concrete methods share beyond <see cref="KeyExchange"/>.</summary>
internal abstract class KexMethod : KeyExchange
{
    /// <summary>
    /// Known-answer tests only: a fixed ephemeral private key (X25519 scalar, EC private scalar D
    /// or DH exponent, big-endian) used instead of a fresh random one.
    /// </summary>
    internal byte[]? FixedEphemeralKey { get; init; }

    /// <summary>Tests only: decodes K_S instead of <see cref="SshPublicKey.FromBlob"/>.</summary>
    internal Func<byte[], SshPublicKey>? HostKeyDecoder { get; init; }

    /// <summary>
    /// Client side: decodes K_S and checks its type against the negotiated algorithm. For a
    /// certificate algorithm K_S is a certificate; the key that signs H is its certified key.
    /// </summary>
    private protected (SshPublicKey Key, SshCertificate? Certificate) DecodeServerKey(KexContext context, byte[] hostKeyBlob)
    {
        if (KexHostKey.DecodeServerCertificate(context, hostKeyBlob) is { } certificate)
        {
            return (certificate.PublicKey, certificate);
        }

        return (KexHostKey.CheckServerKey(context, HostKeyDecoder is null ? SshPublicKey.FromBlob(hostKeyBlob) : HostKeyDecoder(hostKeyBlob)), null);
    }
}
