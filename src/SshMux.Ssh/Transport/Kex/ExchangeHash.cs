using System.Security.Cryptography;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>
/// Builds the exchange hash H. Every method hashes the same prefix (RFC 4253 section 8:
/// V_C, V_S, I_C, I_S, K_S as strings), then its own fields, then K as an mpint.
/// </summary>
internal static class ExchangeHash
{
    /// <summary>
    /// Starts the hash input with the common prefix. The writer is marked sensitive because K
    /// is appended to it; the caller disposes it.
    /// </summary>
    public static SshWriter Begin(KexContext context, ReadOnlySpan<byte> hostKeyBlob)
    {
        var writer = new SshWriter(
            context.ClientVersion.Length + context.ServerVersion.Length + context.ClientKexInit.Length +
            context.ServerKexInit.Length + hostKeyBlob.Length + 2048)
        {
            Sensitive = true,
        };
        writer.WriteBinary(context.ClientVersion)
            .WriteBinary(context.ServerVersion)
            .WriteBinary(context.ClientKexInit)
            .WriteBinary(context.ServerKexInit)
            .WriteBinary(hostKeyBlob);
        return writer;
    }

    /// <summary>Appends K (already mpint encoded with its length) and hashes everything.</summary>
    public static byte[] Finish(SshWriter writer, ReadOnlySpan<byte> sharedSecretMpint, HashAlgorithmName hash)
    {
        writer.WriteRaw(sharedSecretMpint);
        return CryptographicOperations.HashData(hash, writer.WrittenSpan);
    }
}
