using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>The host key half of every method: the server signs H, the client checks that signature.</summary>
internal static class KexHostKey
{
    /// <summary>
    /// Server side: the host key blob K_S. The transport negotiated the signature algorithm from
    /// the keys it holds, so a mismatch here is a configuration error, reported before any message goes out.
    /// </summary>
    public static byte[] ServerBlob(KexContext context)
    {
        var hostKey = context.HostKey
            ?? throw new InvalidOperationException("The server side of a key exchange needs KexContext.HostKey");
        CheckKeyType(context.HostKeyAlgorithm, hostKey.PublicKey.KeyType, "Server host key");
        return hostKey.PublicKey.Blob.ToArray();
    }

    public static byte[] Sign(KexContext context, ReadOnlySpan<byte> exchangeHash) =>
        context.HostKey!.Sign(context.HostKeyAlgorithm, exchangeHash);

    /// <summary>
    /// Client side, before any secret is computed: refuses a key whose type cannot
    /// carry the negotiated signature algorithm (RFC 4253 section 7.1: the host key algorithm names both).
    /// </summary>
    public static SshPublicKey CheckServerKey(KexContext context, SshPublicKey key)
    {
        CheckKeyType(context.HostKeyAlgorithm, key.KeyType, "Server sent a host key that");
        return key;
    }

    /// <summary>Client side: the signature over H must verify with the negotiated algorithm (RFC 4253 section 8).</summary>
    public static void VerifySignature(KexContext context, SshPublicKey key, ReadOnlySpan<byte> exchangeHash, ReadOnlySpan<byte> signature, string method)
    {
        if (!key.Verify(context.HostKeyAlgorithm, exchangeHash, signature))
        {
            throw KexWire.Failed(
                $"{method}: the server's {context.HostKeyAlgorithm} signature over the exchange hash does not verify with its {key.KeyType} host key");
        }
    }

    private static void CheckKeyType(string signatureAlgorithm, string keyType, string subject)
    {
        var expected = AlgorithmRegistry.FindHostKey(signatureAlgorithm)?.KeyType
            ?? throw KexWire.Failed($"Unknown host key algorithm {signatureAlgorithm}");
        if (!string.Equals(expected, keyType, StringComparison.Ordinal))
        {
            throw KexWire.Failed($"{subject} is of type {keyType}, but the negotiated host key algorithm {signatureAlgorithm} needs a {expected} key");
        }
    }
}
