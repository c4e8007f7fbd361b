using System.Security.Cryptography;

namespace SshMux.Ssh.Transport;

/// <summary>Derives cipher keys, IVs and MAC keys from K, H and the session id (RFC 4253 section 7.2).</summary>
public static class KeyDerivation
{
    /// <summary>
    /// K1 = HASH(K || H || letter || session_id); Kn = HASH(K || H || K1 || ... || Kn-1),
    /// concatenated until <paramref name="length"/> bytes. <paramref name="sharedSecret"/> is K
    /// already encoded as an mpint.
    /// </summary>
    public static byte[] Derive(HashAlgorithmName hash, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> exchangeHash, char letter, ReadOnlySpan<byte> sessionId, int length)
    {
        var result = new byte[length];
        if (length == 0)
        {
            return result;
        }

        using var h = IncrementalHash.CreateHash(hash);
        h.AppendData(sharedSecret);
        h.AppendData(exchangeHash);
        h.AppendData([(byte)letter]);
        h.AppendData(sessionId);
        var block = h.GetHashAndReset();
        var produced = 0;
        while (true)
        {
            var take = Math.Min(block.Length, length - produced);
            block.AsSpan(0, take).CopyTo(result.AsSpan(produced));
            produced += take;
            if (produced == length)
            {
                CryptographicOperations.ZeroMemory(block);
                return result;
            }

            h.AppendData(sharedSecret);
            h.AppendData(exchangeHash);
            h.AppendData(result.AsSpan(0, produced));
            CryptographicOperations.ZeroMemory(block);
            block = h.GetHashAndReset();
        }
    }
}
