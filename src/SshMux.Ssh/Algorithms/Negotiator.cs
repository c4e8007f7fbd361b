using SshMux.Ssh.Transport.Messages;

namespace SshMux.Ssh.Algorithms;

/// <summary>The outcome of algorithm negotiation for one key exchange.</summary>
public sealed record NegotiatedAlgorithms(
    string KeyExchange,
    string HostKey,
    string CipherClientToServer,
    string CipherServerToClient,
    string? MacClientToServer,
    string? MacServerToClient,
    string CompressionClientToServer,
    string CompressionServerToClient);

/// <summary>
/// Algorithm negotiation (RFC 4253 section 7.1): for each category the first algorithm on
/// the client's list that the server also lists. A failure names both lists.
/// </summary>
public static class Negotiator
{
    /// <summary>Names carried in kex_algorithms that signal features rather than methods.</summary>
    public static bool IsPseudoKexAlgorithm(string name) =>
        name is AlgorithmRegistry.ExtInfoClient or AlgorithmRegistry.ExtInfoServer
            or AlgorithmRegistry.StrictKexClient or AlgorithmRegistry.StrictKexServer
            || name.StartsWith("ext-info-in-auth", StringComparison.Ordinal);

    public static NegotiatedAlgorithms Negotiate(KexInitMessage client, KexInitMessage server)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(server);
        var kex = Choose("key exchange algorithm", client.KexAlgorithms.Where(n => !IsPseudoKexAlgorithm(n)).ToList(),
            server.KexAlgorithms.Where(n => !IsPseudoKexAlgorithm(n)).ToList(), DisconnectReason.KeyExchangeFailed);
        var hostKey = Choose("host key algorithm", client.ServerHostKeyAlgorithms, server.ServerHostKeyAlgorithms, DisconnectReason.KeyExchangeFailed);
        var encCs = Choose("cipher (client to server)", client.EncryptionClientToServer, server.EncryptionClientToServer, DisconnectReason.KeyExchangeFailed);
        var encSc = Choose("cipher (server to client)", client.EncryptionServerToClient, server.EncryptionServerToClient, DisconnectReason.KeyExchangeFailed);

        // AEAD ciphers carry their own tag; the MAC lists are ignored for them (PROTOCOL 1.6).
        var macCs = IsAead(encCs) ? null : Choose("MAC (client to server)", client.MacClientToServer, server.MacClientToServer, DisconnectReason.KeyExchangeFailed);
        var macSc = IsAead(encSc) ? null : Choose("MAC (server to client)", client.MacServerToClient, server.MacServerToClient, DisconnectReason.KeyExchangeFailed);
        var compCs = Choose("compression (client to server)", client.CompressionClientToServer, server.CompressionClientToServer, DisconnectReason.CompressionError);
        var compSc = Choose("compression (server to client)", client.CompressionServerToClient, server.CompressionServerToClient, DisconnectReason.CompressionError);
        return new NegotiatedAlgorithms(kex, hostKey, encCs, encSc, macCs, macSc, compCs, compSc);
    }

    /// <summary>
    /// RFC 4253 section 7: a guessed first kex packet is right only when the first kex
    /// and host key algorithms on both lists are the same.
    /// </summary>
    public static bool GuessIsRight(KexInitMessage client, KexInitMessage server)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(server);
        static string? First(IReadOnlyList<string> list) => list.Count == 0 ? null : list[0];
        return First(client.KexAlgorithms) == First(server.KexAlgorithms)
            && First(client.ServerHostKeyAlgorithms) == First(server.ServerHostKeyAlgorithms);
    }

    private static bool IsAead(string cipher) => AlgorithmRegistry.FindCipher(cipher)?.IsAead ?? false;

    public static string Choose(string what, IReadOnlyList<string> clientList, IReadOnlyList<string> serverList, DisconnectReason reason)
    {
        ArgumentNullException.ThrowIfNull(clientList);
        ArgumentNullException.ThrowIfNull(serverList);
        foreach (var name in clientList)
        {
            for (var i = 0; i < serverList.Count; i++)
            {
                if (serverList[i] == name)
                {
                    return name;
                }
            }
        }

        throw new SshException(reason,
            $"No matching {what} found. Client offered: {Describe(clientList)}; server offered: {Describe(serverList)}");
    }

    private static string Describe(IReadOnlyList<string> list) => list.Count == 0 ? "(nothing)" : string.Join(',', list);
}
