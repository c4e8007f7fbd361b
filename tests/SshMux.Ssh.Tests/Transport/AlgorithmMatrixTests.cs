using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Tests.Transport;

/// <summary>
/// Every combination of key exchange x host key x cipher x MAC between our own client and
/// server, each one carried through the service request so both directions' keys are used.
/// </summary>
public class AlgorithmMatrixTests
{
    public static TheoryData<string, string, string, string> Combinations()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var kex in AlgorithmRegistry.KeyExchanges)
        {
            foreach (var hostKey in AlgorithmRegistry.DefaultHostKeyAlgorithms)
            {
                foreach (var cipher in AlgorithmRegistry.Ciphers)
                {
                    var macs = cipher.IsAead ? ["(implicit)"] : AlgorithmRegistry.DefaultMacs;
                    foreach (var mac in macs)
                    {
                        data.Add(kex, hostKey, cipher.Name, mac);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public async Task HandshakeAndServiceRequest(string kex, string hostKey, string cipher, string mac)
    {
        var macs = mac == "(implicit)" ? AlgorithmRegistry.DefaultMacs : [mac];
        var client = TransportPair.AcceptAnyHostKey(new SshClientOptions
        {
            KeyExchangeAlgorithms = [kex],
            HostKeyAlgorithms = [hostKey],
            Ciphers = [cipher],
            Macs = macs,
        });
        await using var pair = await TransportPair.StartAsync(client);
        await pair.Client.RequestServiceAsync("ssh-userauth");

        var negotiated = pair.Client.Negotiated!;
        Assert.Equal(kex, negotiated.KeyExchange);
        Assert.Equal(hostKey, negotiated.HostKey);
        Assert.Equal(cipher, negotiated.CipherClientToServer);
        Assert.Equal(cipher, negotiated.CipherServerToClient);
        Assert.Equal(mac == "(implicit)" ? null : mac, negotiated.MacClientToServer);
        Assert.Equal(negotiated, pair.Server.Negotiated);
        Assert.True(pair.Client.IsStrictKex);
        Assert.Equal(pair.Client.SessionId.ToArray(), pair.Server.SessionId.ToArray());
        Assert.Equal(AlgorithmRegistry.FindHostKey(hostKey)!.KeyType, pair.Client.HostKey!.KeyType);

        // A re-key under the same algorithms keeps the connection usable in both directions.
        await pair.Client.RekeyAsync();
        await Wait.UntilAsync(() => pair.Server.KeyExchangeCount == 2);
        await pair.Server.RekeyAsync();
        await Wait.UntilAsync(() => pair.Client.KeyExchangeCount == 3);
        await pair.Client.SendMessageAsync(new byte[] { 2, 0, 0, 0, 1, 0x41 });
    }
}
