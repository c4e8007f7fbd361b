using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Transport;

namespace SshMux.Interop.Tests.Harness;

/// <summary>The algorithms a test restricted the negotiation to; null where it did not choose.</summary>
public sealed record Expected(string? Kex = null, string? HostKey = null, string? Cipher = null, string? Mac = null);

/// <summary>Assertions shared by the interop tests.</summary>
public static class InteropAssert
{
    /// <summary>The negotiated names are the expected ones, in both directions; AEAD ciphers have no MAC.</summary>
    public static void Negotiated(Expected expected, NegotiatedAlgorithms? negotiated)
    {
        ArgumentNullException.ThrowIfNull(expected);
        Assert.NotNull(negotiated);
        if (expected.Kex is not null)
        {
            Assert.Equal(expected.Kex, negotiated.KeyExchange);
        }

        if (expected.HostKey is not null)
        {
            Assert.Equal(expected.HostKey, negotiated.HostKey);
        }

        if (expected.Cipher is not null)
        {
            Assert.Equal(expected.Cipher, negotiated.CipherClientToServer);
            Assert.Equal(expected.Cipher, negotiated.CipherServerToClient);
        }

        var aead = AlgorithmRegistry.FindCipher(negotiated.CipherClientToServer)?.IsAead ?? false;
        if (aead)
        {
            Assert.Null(negotiated.MacClientToServer);
            Assert.Null(negotiated.MacServerToClient);
        }
        else if (expected.Mac is not null)
        {
            Assert.Equal(expected.Mac, negotiated.MacClientToServer);
            Assert.Equal(expected.Mac, negotiated.MacServerToClient);
        }

        Assert.Equal("none", negotiated.CompressionClientToServer);
        Assert.Equal("none", negotiated.CompressionServerToClient);
    }

    /// <summary>Our side and OpenSSH's debug log agree on every negotiated name.</summary>
    public static void SameAsOpenSsh(NegotiatedAlgorithms? negotiated, OpenSshKexLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        Assert.NotNull(negotiated);
        Assert.Equal(negotiated.KeyExchange, log.KeyExchange);
        Assert.Equal(negotiated.HostKey, log.HostKeyAlgorithm);
        Assert.Equal(negotiated.CipherClientToServer, log.CipherClientToServer);
        Assert.Equal(negotiated.CipherServerToClient, log.CipherServerToClient);
        Assert.Equal(negotiated.MacClientToServer ?? OpenSshKexLog.ImplicitMac, log.MacClientToServer);
        Assert.Equal(negotiated.MacServerToClient ?? OpenSshKexLog.ImplicitMac, log.MacServerToClient);
    }

    /// <summary>
    /// Strict kex (OpenSSH PROTOCOL 1.9) is on exactly when the peer's first KEXINIT carried
    /// the peer role's marker, since ssh-mux always offers it. Debian's OpenSSH 9.2 and
    /// Dropbear 2022.83 carry the Terrapin fix, but the peer's KEXINIT is what decides.
    /// </summary>
    public static void StrictKexAsPeerOffered(SshTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        Assert.NotNull(transport.PeerKexInit);
        var marker = transport.IsClient ? AlgorithmRegistry.StrictKexServer : AlgorithmRegistry.StrictKexClient;
        var offered = transport.PeerKexInit.KexAlgorithms.Contains(marker);
        Assert.True(offered == transport.IsStrictKex, $"Peer {(offered ? "offered" : "did not offer")} {marker} but IsStrictKex is {transport.IsStrictKex}");
    }

    /// <summary>An SshException for a failed negotiation that names both sides' lists.</summary>
    public static void NamesBothLists(Exception? error, string what, IEnumerable<string> ours, IEnumerable<string> theirs)
    {
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(theirs);
        var ssh = Assert.IsAssignableFrom<Ssh.SshException>(error);
        Assert.Contains("No matching " + what, ssh.Message, StringComparison.Ordinal);
        foreach (var name in ours.Concat(theirs))
        {
            Assert.Contains(name, ssh.Message, StringComparison.Ordinal);
        }
    }
}
