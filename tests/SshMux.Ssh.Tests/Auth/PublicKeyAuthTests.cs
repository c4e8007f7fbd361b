using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Tests.Auth;

public class PublicKeyAuthTests
{
    private static ClientAuthOptions With(params ISshIdentity[] identities) => new() { Identities = identities };

    [Theory]
    [InlineData("ssh-ed25519", "ssh-ed25519")]
    [InlineData("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256")]
    [InlineData("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384")]
    [InlineData("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521")]
    [InlineData("ssh-rsa", "rsa-sha2-512")]
    public async Task EachKeyTypeSignsInWithTheStrongestAlgorithm(string keyType, string expectedAlgorithm)
    {
        var key = TestKeys.ForKeyType(keyType);
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([key.PublicKey]));
        var identity = new CountingIdentity(key);

        var result = await pair.AuthenticateAsync("alice", With(identity));

        Assert.Equal("alice", result.User);
        Assert.Equal(["publickey"], result.Methods);
        Assert.Same(identity, result.Identity);
        Assert.Equal(expectedAlgorithm, result.SignatureAlgorithm);
        Assert.Equal([expectedAlgorithm], identity.Algorithms);
        var server = await pair.Server.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("alice", server.User);
        Assert.Equal(["publickey"], server.Methods);
        Assert.Equal(key.PublicKey, Assert.Single(server.PublicKeys));
        Assert.True(pair.ClientRouter.IsAuthenticated);
        Assert.True(pair.ServerRouter.IsAuthenticated);

        // The query came first, then the signed request, host-bound since ssh-mux's server announces it.
        Assert.Equal(["none", "publickey", "publickey-hostbound-v00@openssh.com+sig"], pair.RequestMethods);
    }

    [Fact]
    public async Task RsaUsesRsaSha2_256WhenThatIsAllTheServerLists()
    {
        var key = TestKeys.ForKeyType("ssh-rsa");
        var transport = TransportPair.ServerWithAllKeys(new SshServerOptions { ServerSignatureAlgorithms = ["ssh-ed25519", "rsa-sha2-256"] });
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([key.PublicKey]), serverTransport: transport);

        var result = await pair.AuthenticateAsync("bob", With(new PrivateKeyIdentity(key)));

        Assert.Equal("rsa-sha2-256", result.SignatureAlgorithm);
    }

    [Theory]
    [InlineData(new[] { "rsa-sha2-256", "rsa-sha2-512" }, false, "rsa-sha2-512")]
    [InlineData(new[] { "ssh-ed25519", "rsa-sha2-256" }, false, "rsa-sha2-256")]
    [InlineData(new[] { "ssh-ed25519", "ssh-rsa" }, false, null)]
    [InlineData(new[] { "ssh-ed25519", "ssh-rsa" }, true, "ssh-rsa")]
    [InlineData(new[] { "rsa-sha2-512", "ssh-rsa" }, true, "rsa-sha2-512")]
    [InlineData(new string[0], true, null)]
    public void RsaSignatureAlgorithmFollowsServerSigAlgs(string[] serverSigAlgs, bool enableSha1, string? expected)
    {
        var rsa = TestKeys.ForKeyType("ssh-rsa").PublicKey;
        Assert.Equal(expected, ClientAuthSession.ChooseSignatureAlgorithm("ssh-rsa", rsa, serverSigAlgs, PublicKeyAlgorithms.Default, enableSha1));
    }

    [Fact]
    public void WithoutExtInfoRsaFallsBackToRsaSha2_256AndOtherKeysUseTheirOwnAlgorithm()
    {
        var all = PublicKeyAlgorithms.Default;
        Assert.Equal("rsa-sha2-256", ClientAuthSession.ChooseSignatureAlgorithm("ssh-rsa", TestKeys.ForKeyType("ssh-rsa").PublicKey, null, all, enableSshRsaSha1: true));
        Assert.Equal("ssh-ed25519", ClientAuthSession.ChooseSignatureAlgorithm("ssh-ed25519", TestKeys.ForKeyType("ssh-ed25519").PublicKey, [], all, false));
        Assert.Equal("ecdsa-sha2-nistp384", ClientAuthSession.ChooseSignatureAlgorithm("ecdsa-sha2-nistp384", TestKeys.ForKeyType("ecdsa-sha2-nistp384").PublicKey, null, all, false));
    }

    [Fact]
    public void TheClientsOwnListLimitsTheChoice()
    {
        var rsa = TestKeys.ForKeyType("ssh-rsa").PublicKey;
        var ed = TestKeys.ForKeyType("ssh-ed25519").PublicKey;
        string[] server = ["rsa-sha2-512", "rsa-sha2-256", "ssh-ed25519"];
        Assert.Equal("rsa-sha2-256", ClientAuthSession.ChooseSignatureAlgorithm("ssh-rsa", rsa, server, ["rsa-sha2-256"], false));
        Assert.Null(ClientAuthSession.ChooseSignatureAlgorithm("ssh-rsa", rsa, null, ["rsa-sha2-512"], false));
        Assert.Null(ClientAuthSession.ChooseSignatureAlgorithm("ssh-ed25519", ed, server, ["rsa-sha2-256"], false));

        // Certificates are listed under their certificate names.
        Assert.Equal("rsa-sha2-512", ClientAuthSession.ChooseSignatureAlgorithm("ssh-rsa-cert-v01@openssh.com", rsa, server, PublicKeyAlgorithms.Default, false));
        Assert.Equal("rsa-sha2-256", ClientAuthSession.ChooseSignatureAlgorithm("ssh-rsa-cert-v01@openssh.com", rsa, server, ["rsa-sha2-256-cert-v01@openssh.com"], false));
        Assert.Null(ClientAuthSession.ChooseSignatureAlgorithm("ssh-ed25519-cert-v01@openssh.com", ed, server, ["ssh-ed25519"], false));
    }

    [Fact]
    public async Task SshRsaIsNeverUsedUnlessEnabled()
    {
        var key = TestKeys.ForKeyType("ssh-rsa");
        var authenticator = new PublicKeyListAuthenticator([key.PublicKey]);
        var transport = TransportPair.ServerWithAllKeys(new SshServerOptions { ServerSignatureAlgorithms = ["ssh-ed25519", "ssh-rsa"] });
        var auth = new ServerAuthOptions { PublicKeyAlgorithms = [.. PublicKeyAlgorithms.Default, "ssh-rsa"] };

        await using (var pair = await AuthPair.StartAsync(authenticator, auth, transport))
        {
            var identity = new CountingIdentity(key);
            var error = await Assert.ThrowsAsync<SshAuthenticationException>(() => pair.AuthenticateAsync("carol", With(identity)));
            Assert.StartsWith("Permission denied (publickey)", error.Message, StringComparison.Ordinal);
            Assert.Equal(["none"], error.TriedMethods);
            Assert.Equal(0, identity.Signatures);
        }

        auth = new ServerAuthOptions { PublicKeyAlgorithms = [.. PublicKeyAlgorithms.Default, "ssh-rsa"] };
        await using (var pair = await AuthPair.StartAsync(authenticator, auth, TransportPair.ServerWithAllKeys(new SshServerOptions { ServerSignatureAlgorithms = ["ssh-rsa"] })))
        {
            var result = await pair.AuthenticateAsync("carol", new ClientAuthOptions { Identities = [new PrivateKeyIdentity(key)], EnableSshRsaSha1 = true });
            Assert.Equal("ssh-rsa", result.SignatureAlgorithm);
        }
    }

    [Fact]
    public async Task ServerRefusesSshRsaByDefault()
    {
        var key = TestKeys.ForKeyType("ssh-rsa");
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([key.PublicKey]), new ServerAuthOptions { FailureDelay = TimeSpan.Zero });
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);

        var reply = await raw.RoundTripAsync(raw.SignedPublicKey("dave", key, "ssh-rsa"));

        Assert.Equal(("publickey", false), RawAuthClient.Failure(reply));
        Assert.False(pair.ServerRouter.IsAuthenticated);
    }

    [Fact]
    public async Task KeyTheServerDoesNotAcceptIsRefusedWithoutEverSigning()
    {
        var allowed = TestKeys.ForKeyType("ssh-ed25519");
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([allowed.PublicKey]));
        using var other = SshPrivateKey.Generate("ssh-ed25519");
        var identity = new CountingIdentity(other);

        var error = await Assert.ThrowsAsync<SshAuthenticationException>(() => pair.AuthenticateAsync("erin", With(identity)));

        Assert.StartsWith("Permission denied (publickey)", error.Message, StringComparison.Ordinal);
        Assert.Equal(["publickey"], error.AllowedMethods);
        Assert.Equal(2, error.TriedMethods.Count);
        Assert.Contains(other.PublicKey.GetSha256Fingerprint(), error.TriedMethods[1], StringComparison.Ordinal);
        Assert.Equal(0, identity.Signatures);
        Assert.Equal(DisconnectReason.NoMoreAuthMethodsAvailable, error.Reason);
        Assert.False(pair.ClientRouter.IsAuthenticated);
        Assert.False(pair.Server.Completion.IsCompleted);
    }

    [Fact]
    public async Task LaterIdentityIsUsedWhenEarlierOnesAreRefused()
    {
        var allowed = TestKeys.ForKeyType("ecdsa-sha2-nistp256");
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([allowed.PublicKey]));
        using var refused = SshPrivateKey.Generate("ssh-ed25519");
        var first = new CountingIdentity(refused);
        var second = new CountingIdentity(allowed);

        var result = await pair.AuthenticateAsync("frank", With(first, second));

        Assert.Same(second, result.Identity);
        Assert.Equal(0, first.Signatures);
        Assert.Equal(1, second.Signatures);
        Assert.Equal(["none", "publickey", "publickey", "publickey-hostbound-v00@openssh.com+sig"], pair.RequestMethods);
    }

    [Fact]
    public async Task PlainPublicKeyWhenTheServerDoesNotAnnounceHostBound()
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        var transport = TransportPair.ServerWithAllKeys(new SshServerOptions { AdditionalExtensions = [] });
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([key.PublicKey]), serverTransport: transport);

        await pair.AuthenticateAsync("gina", With(new PrivateKeyIdentity(key)));

        Assert.Equal(["none", "publickey", "publickey+sig"], pair.RequestMethods);
    }

    [Fact]
    public async Task PlainPublicKeyWhenTheClientTurnsHostBoundOff()
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([key.PublicKey]));

        await pair.AuthenticateAsync("gina", new ClientAuthOptions { Identities = [new PrivateKeyIdentity(key)], UseHostBoundPublicKey = false });

        Assert.Equal(["none", "publickey", "publickey+sig"], pair.RequestMethods);
    }

    [Fact]
    public async Task SignatureMadeWithAnotherAlgorithmThanRequestedIsRefused()
    {
        var key = TestKeys.ForKeyType("ssh-rsa");
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([key.PublicKey]), new ServerAuthOptions { FailureDelay = TimeSpan.Zero });
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);

        // Request says rsa-sha2-512, the signature is a valid rsa-sha2-256 one.
        var reply = await raw.RoundTripAsync(raw.SignedPublicKey("hank", key, "rsa-sha2-512", signWith: "rsa-sha2-256"));
        Assert.Equal(("publickey", false), RawAuthClient.Failure(reply));

        // The same with the algorithms the right way round succeeds.
        reply = await raw.RoundTripAsync(raw.SignedPublicKey("hank", key, "rsa-sha2-512"));
        Assert.Equal(52, reply[0]);
        Assert.True(pair.ServerRouter.IsAuthenticated);
    }

    [Fact]
    public async Task AlgorithmThatDoesNotMatchTheKeyIsRefused()
    {
        var rsa = TestKeys.ForKeyType("ssh-rsa");
        var ed = TestKeys.ForKeyType("ssh-ed25519");
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([rsa.PublicKey, ed.PublicKey]), new ServerAuthOptions { FailureDelay = TimeSpan.Zero });
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);

        Assert.Equal(("publickey", false), RawAuthClient.Failure(await raw.RoundTripAsync(RawAuthClient.PublicKeyQuery("ivy", "ssh-ed25519", rsa.PublicKey.Blob.Span))));
        Assert.Equal(("publickey", false), RawAuthClient.Failure(await raw.RoundTripAsync(RawAuthClient.PublicKeyQuery("ivy", "rsa-sha2-256", ed.PublicKey.Blob.Span))));
        Assert.Equal(("publickey", false), RawAuthClient.Failure(await raw.RoundTripAsync(RawAuthClient.PublicKeyQuery("ivy", "ssh-ed25519", "garbage"u8))));

        // PK_OK echoes algorithm and blob.
        var ok = await raw.RoundTripAsync(RawAuthClient.PublicKeyQuery("ivy", "rsa-sha2-256", rsa.PublicKey.Blob.Span));
        Assert.Equal(60, ok[0]);
        using var expected = new SshMux.Ssh.Wire.SshWriter();
        expected.WriteString("rsa-sha2-256");
        expected.WriteBinary(rsa.PublicKey.Blob.Span);
        Assert.Equal(expected.ToArray(), ok[1..]);
    }

    [Fact]
    public async Task SignatureOverOtherDataIsRefused()
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([key.PublicKey]), new ServerAuthOptions { FailureDelay = TimeSpan.Zero });
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);

        Assert.Equal(("publickey", false), RawAuthClient.Failure(await raw.RoundTripAsync(raw.SignedPublicKey("jo", key, "ssh-ed25519", sessionId: new byte[32]))));
        Assert.Equal(("publickey", false), RawAuthClient.Failure(await raw.RoundTripAsync(raw.SignedPublicKey("jo", key, "ssh-ed25519", signedUser: "root"))));

        // The method name is signed: a plain signature does not pass as a host-bound one, nor the reverse.
        const string hostBound = "publickey-hostbound-v00@openssh.com";
        Assert.Equal(("publickey", false), RawAuthClient.Failure(await raw.RoundTripAsync(raw.SignedPublicKey("jo", key, "ssh-ed25519", method: hostBound, signedMethod: "publickey"))));
        Assert.Equal(("publickey", false), RawAuthClient.Failure(await raw.RoundTripAsync(raw.SignedPublicKey("jo", key, "ssh-ed25519", signedMethod: hostBound))));
        Assert.Equal(52, (await raw.RoundTripAsync(raw.SignedPublicKey("jo", key, "ssh-ed25519")))[0]);
    }

    [Fact]
    public async Task HostBoundSignatureForAnotherHostKeyIsRefused()
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([key.PublicKey]), new ServerAuthOptions { FailureDelay = TimeSpan.Zero });
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);
        const string hostBound = "publickey-hostbound-v00@openssh.com";
        var otherHostKey = TestKeys.All.First(k => k.PublicKey != raw.Transport.HostKey).PublicKey.Blob.ToArray();

        var reply = await raw.RoundTripAsync(raw.SignedPublicKey("kim", key, "ssh-ed25519", method: hostBound, hostKey: otherHostKey));
        Assert.Equal(("publickey", false), RawAuthClient.Failure(reply));
        Assert.Contains(pair.ServerLog, l => l.Contains("not this server's", StringComparison.Ordinal));

        reply = await raw.RoundTripAsync(raw.SignedPublicKey("kim", key, "ssh-ed25519", method: hostBound));
        Assert.Equal(52, reply[0]);
    }

    [Fact]
    public async Task CertificateIsVerifiedWithTheKeyTheAuthenticatorNames()
    {
        // A stand-in certificate blob: the authenticator owns certificate parsing and names the key.
        var key = TestKeys.ForKeyType("ssh-ed25519");
        var certBlob = "not a real certificate, the authenticator vouches for it"u8.ToArray();
        var authenticator = new TestAuthenticator
        {
            Methods = _ => ["publickey"],
            PublicKey = (_, request) => request.Algorithm == "ssh-ed25519-cert-v01@openssh.com" && request.Blob.Span.SequenceEqual(certBlob) && request.PublicKey is null
                ? new PublicKeyDecision(AuthOutcome.Success, key.PublicKey)
                : PublicKeyDecision.Refuse,
        };
        await using var pair = await AuthPair.StartAsync(authenticator);
        var identity = new PrivateKeyIdentity(key, certBlob, "ssh-ed25519-cert-v01@openssh.com");

        var result = await pair.AuthenticateAsync("lee", With(identity));

        Assert.Equal("ssh-ed25519", result.SignatureAlgorithm);
        Assert.Equal(["publickey lee ssh-ed25519-cert-v01@openssh.com query", "publickey lee ssh-ed25519-cert-v01@openssh.com signed"], authenticator.Calls);
    }

    [Fact]
    public async Task CertificateWithoutASigningKeyFromTheAuthenticatorIsRefused()
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        var authenticator = new TestAuthenticator { Methods = _ => ["publickey"], PublicKey = (_, _) => new PublicKeyDecision(AuthOutcome.Success) };
        await using var pair = await AuthPair.StartAsync(authenticator, new ServerAuthOptions { FailureDelay = TimeSpan.Zero });
        var identity = new PrivateKeyIdentity(key, new byte[] { 1, 2, 3 }, "ssh-ed25519-cert-v01@openssh.com");

        await Assert.ThrowsAsync<SshAuthenticationException>(() => pair.AuthenticateAsync("lee", With(identity)));
        Assert.Contains(pair.ServerLog, l => l.Contains("no usable key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwoKeysInTurnWithPartialSuccess()
    {
        var first = TestKeys.ForKeyType("ssh-ed25519");
        var second = TestKeys.ForKeyType("ecdsa-sha2-nistp256");
        var authenticator = new TestAuthenticator
        {
            Methods = _ => ["publickey"],
            PublicKey = (context, request) => request.PublicKey is null || (request.PublicKey != first.PublicKey && request.PublicKey != second.PublicKey)
                ? PublicKeyDecision.Refuse
                : new PublicKeyDecision(context.CompletedMethods.Count == 0 ? AuthOutcome.PartialSuccess : AuthOutcome.Success),
        };
        await using var pair = await AuthPair.StartAsync(authenticator);
        var one = new CountingIdentity(first);
        var two = new CountingIdentity(second);

        var result = await pair.AuthenticateAsync("max", With(one, two));

        Assert.Equal(["publickey", "publickey"], result.Methods);
        Assert.Equal(1, one.Signatures);
        Assert.Equal(1, two.Signatures);
        var server = await pair.Server.Completion;
        Assert.Equal([first.PublicKey, second.PublicKey], server.PublicKeys);
    }

    [Fact]
    public async Task AKeyCannotCountTwiceTowardsPartialSuccess()
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        var authenticator = new TestAuthenticator
        {
            Methods = _ => ["publickey"],
            PublicKey = (context, _) => new PublicKeyDecision(context.CompletedMethods.Count == 0 ? AuthOutcome.PartialSuccess : AuthOutcome.Success),
        };
        await using var pair = await AuthPair.StartAsync(authenticator, new ServerAuthOptions { FailureDelay = TimeSpan.Zero });
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);

        Assert.Equal(("publickey", true), RawAuthClient.Failure(await raw.RoundTripAsync(raw.SignedPublicKey("ned", key, "ssh-ed25519"))));
        Assert.Equal(("publickey", false), RawAuthClient.Failure(await raw.RoundTripAsync(raw.SignedPublicKey("ned", key, "ssh-ed25519"))));
        Assert.False(pair.ServerRouter.IsAuthenticated);
    }
}
