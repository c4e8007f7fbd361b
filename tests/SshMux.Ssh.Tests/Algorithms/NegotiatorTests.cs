using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Transport.Messages;

namespace SshMux.Ssh.Tests.AlgorithmNegotiation;

public class NegotiatorTests
{
    private static KexInitMessage Init(string[] kex, string[] hostKeys, string[] ciphers, string[] macs) => new()
    {
        KexAlgorithms = kex,
        ServerHostKeyAlgorithms = hostKeys,
        EncryptionClientToServer = ciphers,
        EncryptionServerToClient = ciphers,
        MacClientToServer = macs,
        MacServerToClient = macs,
    };

    [Fact]
    public void ClientOrderWins()
    {
        var client = Init(["ecdh-sha2-nistp256", "curve25519-sha256"], ["rsa-sha2-256", "ssh-ed25519"], ["aes128-ctr", "aes256-ctr"], ["hmac-sha2-512", "hmac-sha2-256"]);
        var server = Init(["curve25519-sha256", "ecdh-sha2-nistp256"], ["ssh-ed25519", "rsa-sha2-256"], ["aes256-ctr", "aes128-ctr"], ["hmac-sha2-256", "hmac-sha2-512"]);
        var n = Negotiator.Negotiate(client, server);
        Assert.Equal("ecdh-sha2-nistp256", n.KeyExchange);
        Assert.Equal("rsa-sha2-256", n.HostKey);
        Assert.Equal("aes128-ctr", n.CipherClientToServer);
        Assert.Equal("hmac-sha2-512", n.MacServerToClient);
    }

    [Fact]
    public void PseudoAlgorithmsAreNeverChosen()
    {
        var client = Init(["ext-info-c", "kex-strict-c-v00@openssh.com", "curve25519-sha256"], ["ssh-ed25519"], ["aes128-ctr"], ["hmac-sha2-256"]);
        var server = Init(["ext-info-c", "kex-strict-c-v00@openssh.com", "curve25519-sha256"], ["ssh-ed25519"], ["aes128-ctr"], ["hmac-sha2-256"]);
        Assert.Equal("curve25519-sha256", Negotiator.Negotiate(client, server).KeyExchange);
    }

    [Fact]
    public void AeadCiphersNeedNoCommonMac()
    {
        var client = Init(["curve25519-sha256"], ["ssh-ed25519"], ["aes256-gcm@openssh.com"], ["hmac-sha2-256"]);
        var server = Init(["curve25519-sha256"], ["ssh-ed25519"], ["aes256-gcm@openssh.com"], ["hmac-sha1"]);
        var n = Negotiator.Negotiate(client, server);
        Assert.Null(n.MacClientToServer);
        Assert.Null(n.MacServerToClient);
    }

    [Fact]
    public void FailureNamesBothListsAndTheCategory()
    {
        var client = Init(["curve25519-sha256"], ["ssh-ed25519"], ["aes128-ctr"], ["hmac-sha2-256"]);
        var server = Init(["curve25519-sha256"], ["rsa-sha2-512", "rsa-sha2-256"], ["aes128-ctr"], ["hmac-sha2-256"]);
        var ex = Assert.Throws<SshException>(() => Negotiator.Negotiate(client, server));
        Assert.Equal("No matching host key algorithm found. Client offered: ssh-ed25519; server offered: rsa-sha2-512,rsa-sha2-256", ex.Message);
        Assert.Equal(DisconnectReason.KeyExchangeFailed, ex.Reason);
    }

    [Fact]
    public void GuessIsRightOnlyWhenBothFirstChoicesAgree()
    {
        var a = Init(["curve25519-sha256", "ecdh-sha2-nistp256"], ["ssh-ed25519"], ["aes128-ctr"], ["hmac-sha2-256"]);
        var b = Init(["curve25519-sha256"], ["ssh-ed25519", "rsa-sha2-256"], ["aes128-ctr"], ["hmac-sha2-256"]);
        var c = Init(["ecdh-sha2-nistp256", "curve25519-sha256"], ["ssh-ed25519"], ["aes128-ctr"], ["hmac-sha2-256"]);
        var d = Init(["curve25519-sha256"], ["rsa-sha2-256", "ssh-ed25519"], ["aes128-ctr"], ["hmac-sha2-256"]);
        Assert.True(Negotiator.GuessIsRight(a, b));
        Assert.False(Negotiator.GuessIsRight(a, c));
        Assert.False(Negotiator.GuessIsRight(a, d));
    }
}
