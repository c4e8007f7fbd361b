using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Transport;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Dropbear;

/// <summary>
/// Dropbear's client against ssh-mux's server. dbclient is not verbose, so the negotiation is
/// judged from our server's side; dbclient chooses cipher and MAC with -c/-m, and our server
/// restricts the key exchange and host key. dbclient sends a guessed first kex packet, which
/// our server must ignore when the guess is wrong (RFC 4253 section 7).
/// </summary>
public class DbclientVsServerTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    private async Task<SshTransport> HandshakeAsync(Expected expected, Action<SshServerOptions>? configure, string? cipher = null, string? mac = null)
    {
        await using var server = OurServer.Start(_run, configure);
        var dbclient = await DropbearClient.RunAsync(_run, server.Port, cipher, mac);
        var connection = await server.NextConnectionAsync(TimeSpan.FromSeconds(10));
        Assert.Null(connection.Error);
        var transport = connection.Transport!;
        InteropAssert.Negotiated(expected, transport.Negotiated);
        InteropAssert.StrictKexAsPeerOffered(transport);
        Assert.StartsWith("SSH-2.0-dropbear", transport.RemoteVersion, StringComparison.Ordinal);

        // Getting this far means SERVICE_ACCEPT and USERAUTH_FAILURE (no methods) reached dbclient encrypted.
        Assert.NotEqual(0, dbclient.ExitCode);
        Assert.Contains("No auth methods could be used", dbclient.Output, StringComparison.Ordinal);
        return transport;
    }

    [PeerTheory(Peers.DbClient)]
    [MemberData(nameof(InteropAlgorithms.DropbearKexData), MemberType = typeof(InteropAlgorithms))]
    public Task KeyExchange(string kex) => _run.RunAsync(_ =>
        HandshakeAsync(new Expected(Kex: kex), o => o.KeyExchangeAlgorithms = [kex]));

    [PeerTheory(Peers.DbClient)]
    [MemberData(nameof(InteropAlgorithms.DropbearHostKeyData), MemberType = typeof(InteropAlgorithms))]
    public Task HostKey(string algorithm) => _run.RunAsync(_ =>
        HandshakeAsync(new Expected(HostKey: algorithm), o =>
        {
            o.HostKeys = [OurHostKeys.Get(OurHostKeys.KeyTypeOf(algorithm))];
            o.HostKeyAlgorithms = [algorithm];
        }));

    [PeerTheory(Peers.DbClient)]
    [MemberData(nameof(InteropAlgorithms.DropbearCipherData), MemberType = typeof(InteropAlgorithms))]
    public Task Cipher(string cipher) => _run.RunAsync(_ =>
        HandshakeAsync(new Expected(Cipher: cipher), null, cipher: cipher));

    [PeerTheory(Peers.DbClient)]
    [MemberData(nameof(InteropAlgorithms.DropbearCipherMacData), MemberType = typeof(InteropAlgorithms))]
    public Task CipherAndMac(string cipher, string mac) => _run.RunAsync(_ =>
        HandshakeAsync(new Expected(Cipher: cipher, Mac: mac), null, cipher: cipher, mac: mac));

    /// <summary>
    /// dbclient sends its curve25519 ECDH_INIT right behind its KEXINIT. With our list starting
    /// elsewhere the guess counts as wrong even though curve25519-sha256 is then negotiated
    /// (RFC 4253 section 7: the first algorithms differ), so our server drops the guessed
    /// packet and dbclient sends it again.
    /// </summary>
    [PeerFact(Peers.DbClient)]
    public Task WrongKexGuessIsSkipped() => _run.RunAsync(async _ =>
    {
        var transport = await HandshakeAsync(new Expected(Kex: "curve25519-sha256"),
            o => o.KeyExchangeAlgorithms = ["ecdh-sha2-nistp384", .. AlgorithmRegistry.KeyExchanges.Where(k => k != "ecdh-sha2-nistp384")]);
        Assert.True(transport.PeerKexInit!.FirstKexPacketFollows, "dbclient did not send a guessed kex packet");
        Assert.True(_run.Logged("wrongly guessed"), "Our server did not report skipping the guessed packet");
    });

    /// <summary>Our list starts with dbclient's guess: the guessed packet is the real one.</summary>
    [PeerFact(Peers.DbClient)]
    public Task RightKexGuessIsUsed() => _run.RunAsync(async _ =>
    {
        var transport = await HandshakeAsync(new Expected(Kex: "curve25519-sha256"), o =>
        {
            o.KeyExchangeAlgorithms = ["curve25519-sha256"];
            o.HostKeyAlgorithms = ["ssh-ed25519"];
        });
        var peer = transport.PeerKexInit!;
        Assert.True(peer.FirstKexPacketFollows, "dbclient did not send a guessed kex packet");
        var guessRight = peer.KexAlgorithms[0] == "curve25519-sha256" && peer.ServerHostKeyAlgorithms[0] == "ssh-ed25519";
        Assert.Equal(!guessRight, _run.Logged("wrongly guessed"));
    });
}
