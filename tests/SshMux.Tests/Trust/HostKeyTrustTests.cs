using System.Text;
using SshMux.Prompts;
using SshMux.Routing;
using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;

namespace SshMux.Tests.Trust;

/// <summary>HostKeyTrust's decisions over known_hosts files, with a scripted prompt broker. Against sshd: HostKeyTrustSshdTests.</summary>
public class HostKeyTrustTests
{
    private static readonly Lazy<SshPrivateKey> s_ed25519 = new(() => SshPrivateKey.Generate("ssh-ed25519"));
    private static readonly Lazy<SshPrivateKey> s_other = new(() => SshPrivateKey.Generate("ssh-ed25519"));
    private static readonly Lazy<SshPrivateKey> s_p256 = new(() => SshPrivateKey.Generate("ecdsa-sha2-nistp256"));

    private static SshPublicKey Key => s_ed25519.Value.PublicKey;

    private static SshPublicKey OtherKey => s_other.Value.PublicKey;

    private static string Line(string hosts, SshPublicKey key, string marker = "") =>
        $"{marker}{(marker.Length > 0 ? " " : string.Empty)}{hosts} {SshPublicKeyLine.Format(key, null)}\n";

    private static RouteHop Hop(HostKeyPolicy policy, string host = "10.0.0.5", int port = 2222) => TrustRig.Hop(host, port, policy);

    [Fact]
    public async Task TrustedKeyPassesWithoutAsking()
    {
        var broker = ScriptedPromptBroker.Answering("yes");
        using var rig = new TrustRig("# comment\n\n" + Line("other.example,[10.0.0.5]:2222", Key), prompts: broker);

        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));
        Assert.Empty(broker.Requests);
    }

    [Fact]
    public async Task ChangedKeyIsRefusedWithTheOldAndNewFingerprints()
    {
        var broker = ScriptedPromptBroker.Answering("yes");
        using var rig = new TrustRig(Line("[10.0.0.5]:2222", OtherKey) + Line("[10.0.0.5]:2222", s_p256.Value.PublicKey), prompts: broker);
        var before = File.ReadAllBytes(rig.KnownHosts);

        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));

        Assert.Empty(broker.Requests);
        Assert.Contains("HAS CHANGED", rig.LogText, StringComparison.Ordinal);
        Assert.Contains(Key.GetSha256Fingerprint(), rig.LogText, StringComparison.Ordinal);
        Assert.Contains(OtherKey.GetSha256Fingerprint(), rig.LogText, StringComparison.Ordinal);
        Assert.Contains(s_p256.Value.PublicKey.GetSha256Fingerprint(), rig.LogText, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(rig.KnownHosts));
    }

    [Theory]
    [InlineData("AcceptNew")]
    [InlineData("Strict")]
    public async Task ChangedKeyIsRefusedUnderEveryPolicy(string policyName)
    {
        var policy = Enum.Parse<HostKeyPolicy>(policyName);
        using var rig = new TrustRig(Line("[10.0.0.5]:2222", OtherKey));

        Assert.False(await rig.VerifyAsync(Hop(policy), Key));
        Assert.Single(File.ReadAllLines(rig.KnownHosts));
    }

    [Fact]
    public async Task RevokedKeyIsRefusedEvenWhenAnotherLineOrFileTrustsIt()
    {
        using var rig = new TrustRig(Line("[10.0.0.5]:2222", Key), prompts: ScriptedPromptBroker.Answering("yes"));
        File.WriteAllText(rig.GlobalKnownHosts, Line("*", Key, "@revoked"));

        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));
        Assert.Contains("@revoked", rig.LogText, StringComparison.Ordinal);
        Assert.Contains(rig.GlobalKnownHosts + ":1", rig.LogText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownKeyConfirmedWithYesIsPinnedAndThenKnown()
    {
        var broker = ScriptedPromptBroker.Answering("yes");
        using var rig = new TrustRig(Line("elsewhere.example", OtherKey), prompts: broker);

        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));

        var request = Assert.Single(broker.Requests);
        Assert.Equal(PromptKind.HostKey, request.Kind);
        Assert.Equal("web", request.Route);
        Assert.Equal("[10.0.0.5]:2222", request.Host);
        Assert.Contains("ED25519".ToLowerInvariant(), request.Instruction, StringComparison.Ordinal);
        Assert.Contains(Key.GetSha256Fingerprint(), request.Instruction, StringComparison.Ordinal);
        Assert.True(Assert.Single(request.Fields).Echo);
        Assert.Equal(Line("elsewhere.example", OtherKey) + Line("[10.0.0.5]:2222", Key), File.ReadAllText(rig.KnownHosts));

        // The second connection finds it pinned and asks nothing.
        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));
        Assert.Single(broker.Requests);
    }

    [Theory]
    [InlineData("no")]
    [InlineData("")]
    [InlineData("y")]
    [InlineData("yes please")]
    [InlineData(null)]
    public async Task AnythingButYesRefusesAndPinsNothing(string? answer)
    {
        var broker = ScriptedPromptBroker.Answering(answer);
        using var rig = new TrustRig(prompts: broker);

        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));

        Assert.Single(broker.Requests);
        Assert.Equal(string.Empty, File.ReadAllText(rig.KnownHosts));
        Assert.Contains("Refusing", rig.LogText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("YES")]
    [InlineData(" yes\n")]
    public async Task YesInAnyCaseAccepts(string answer)
    {
        using var rig = new TrustRig(prompts: ScriptedPromptBroker.Answering(answer));

        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));
    }

    [Fact]
    public async Task TheKeysFingerprintAcceptsButAnotherDoesNot()
    {
        using (var rig = new TrustRig(prompts: ScriptedPromptBroker.Answering(Key.GetSha256Fingerprint())))
        {
            Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));
        }

        using (var rig = new TrustRig(prompts: ScriptedPromptBroker.Answering(OtherKey.GetSha256Fingerprint())))
        {
            Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));
        }
    }

    [Fact]
    public async Task AskWithNoBrokerRefuses()
    {
        using var rig = new TrustRig();

        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));
        Assert.Contains("no prompt front end", rig.LogText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokerThatFailsRefuses()
    {
        using var rig = new TrustRig(prompts: new ScriptedPromptBroker(_ => Task.FromException<string?>(new OperationCanceledException("front end closed"))));

        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));
        Assert.Contains("front end closed", rig.LogText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptNewPinsWithoutAskingAndPort22IsWrittenPlain()
    {
        var broker = ScriptedPromptBroker.Answering("no");
        using var rig = new TrustRig(prompts: broker);

        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.AcceptNew, "Build.Example", 22), Key));

        Assert.Empty(broker.Requests);
        Assert.Equal(Line("build.example", Key), File.ReadAllText(rig.KnownHosts));
    }

    [Theory]
    [InlineData("*.example.com")]
    [InlineData("db.example.com,other")]
    [InlineData("[db.example.com]:*")]
    public async Task AcceptNewIsBlockedByACertAuthorityLineForTheHost(string pattern)
    {
        var ca = OtherKey;
        var port = pattern.Contains(']', StringComparison.Ordinal) ? 2200 : 22;
        using var rig = new TrustRig(Line(pattern, ca, "@cert-authority"));
        var before = File.ReadAllBytes(rig.KnownHosts);

        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.AcceptNew, "db.example.com", port), Key));

        Assert.Equal(before, File.ReadAllBytes(rig.KnownHosts));
        Assert.Contains("certificate authority", rig.LogText, StringComparison.Ordinal);
        Assert.Contains(rig.KnownHosts + ":1", rig.LogText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertAuthorityLineForAnotherHostDoesNotBlockAcceptNew()
    {
        using var rig = new TrustRig(Line("*.example.com,!db.example.com", OtherKey, "@cert-authority"));

        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.AcceptNew, "db.example.com", 22), Key));
    }

    [Fact]
    public async Task AskWarnsAboutTheCaDowngrade()
    {
        var broker = ScriptedPromptBroker.Answering("no");
        using var rig = new TrustRig(Line("*.example.com", OtherKey, "@cert-authority"), prompts: broker);

        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask, "db.example.com", 22), Key));

        var request = Assert.Single(broker.Requests);
        Assert.Contains("WARNING", request.Instruction, StringComparison.Ordinal);
        Assert.Contains("certificate authority", request.Instruction, StringComparison.Ordinal);
        Assert.Contains(rig.KnownHosts + ":1", request.Instruction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StrictRefusesAnUnknownKey()
    {
        var broker = ScriptedPromptBroker.Answering("yes");
        using var rig = new TrustRig(prompts: broker);

        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.Strict), Key));
        Assert.Empty(broker.Requests);
        Assert.Equal(string.Empty, File.ReadAllText(rig.KnownHosts));
    }

    [Theory]
    [InlineData("Ask")]
    [InlineData("AcceptNew")]
    public async Task KeyThatCannotBePinnedIsRefused(string policyName)
    {
        var policy = Enum.Parse<HostKeyPolicy>(policyName);
        using var scratch = new TrustRig();

        // The pin file's directory would have to be created inside a regular file: no privilege helps.
        var blocker = Path.Combine(scratch.Directory, "not-a-directory");
        File.WriteAllText(blocker, "x");
        using var rig = new TrustRig(prompts: ScriptedPromptBroker.Answering("yes"), pinFile: Path.Combine(blocker, "known_hosts"));

        Assert.False(await rig.VerifyAsync(Hop(policy), Key));
        Assert.Contains("cannot be pinned", rig.LogText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreadableKnownHostsRefuses()
    {
        using var rig = new TrustRig(prompts: ScriptedPromptBroker.Answering("yes"));
        File.Delete(rig.GlobalKnownHosts);
        Directory.CreateDirectory(rig.GlobalKnownHosts);

        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));
        Assert.Contains("Cannot read " + rig.GlobalKnownHosts, rig.LogText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadLinesAreWarnedAndSkipped()
    {
        using var rig = new TrustRig("@bogus host ssh-ed25519 AAAA\n|1|bad|hash ssh-ed25519 AAAA\nhost-without-key\n" + Line("[10.0.0.5]:2222", Key));

        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.Strict), Key));
        Assert.Contains(rig.KnownHosts + ":1:", rig.LogText, StringComparison.Ordinal);
        Assert.Contains(rig.KnownHosts + ":2:", rig.LogText, StringComparison.Ordinal);
        Assert.Contains(rig.KnownHosts + ":3:", rig.LogText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentConnectionsToTheSameHostAndKeyAskOnce()
    {
        var release = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var broker = new ScriptedPromptBroker(_ => release.Task);
        using var rig = new TrustRig(prompts: broker);

        var checks = Enumerable.Range(0, 6).Select(_ => rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key).AsTask()).ToList();
        await Task.Delay(200);
        release.SetResult("yes");
        var results = await Task.WhenAll(checks);

        Assert.All(results, Assert.True);
        Assert.Single(broker.Requests);
        Assert.Single(File.ReadAllLines(rig.KnownHosts));
    }

    [Fact]
    public async Task ExistingLinesAreKeptByteForByte()
    {
        var original = "# mine\r\n\r\n@cert-authority *.corp " + SshPublicKeyLine.Format(OtherKey, "ca") + "\r\ngarbage line\nlast-without-newline";
        using var rig = new TrustRig(original, prompts: ScriptedPromptBroker.Answering("yes"));

        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));

        var bytes = File.ReadAllBytes(rig.KnownHosts);
        Assert.Equal(Encoding.UTF8.GetBytes(original + "\n" + Line("[10.0.0.5]:2222", Key)), bytes);
    }

    [Fact]
    public async Task HashedPinHidesTheNameAndIsFoundByIt()
    {
        using var rig = new TrustRig(hash: true, prompts: ScriptedPromptBroker.Answering("yes"));

        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask), Key));

        var text = File.ReadAllText(rig.KnownHosts);
        Assert.StartsWith(KnownHostsHash.Magic, text, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.0.5", text, StringComparison.Ordinal);
        Assert.Equal(Key, Assert.Single(KnownHostsFile.Load(rig.KnownHosts).FindEntries("10.0.0.5", 2222)).Key);
        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.Strict), Key));
    }

    [Fact]
    public void PreferredAlgorithmsFollowKnownHosts()
    {
        var rsa = SshPrivateKey.Generate("ssh-rsa", 2048).PublicKey;
        using var rig = new TrustRig(Line("[10.0.0.5]:2222", rsa) + Line("*.corp", OtherKey, "@cert-authority") + Line("[10.0.0.5]:2222", s_p256.Value.PublicKey, "@revoked"));

        Assert.Null(rig.Trust.PreferredHostKeyAlgorithms(Hop(HostKeyPolicy.Ask, "unknown.example", 22)));

        var known = rig.Trust.PreferredHostKeyAlgorithms(Hop(HostKeyPolicy.Ask))!;
        Assert.Equal(["rsa-sha2-512", "rsa-sha2-256"], known.Take(2));
        Assert.Equal(AlgorithmRegistry.DefaultHostKeyAlgorithms.Order(), known.Order());

        var withCa = rig.Trust.PreferredHostKeyAlgorithms(Hop(HostKeyPolicy.Ask, "db.corp", 22))!;
        Assert.Equal(AlgorithmRegistry.CertificateHostKeyAlgorithms, withCa.Take(AlgorithmRegistry.CertificateHostKeyAlgorithms.Count));
        Assert.Equal(AlgorithmRegistry.DefaultHostKeyAlgorithms, withCa.Skip(AlgorithmRegistry.CertificateHostKeyAlgorithms.Count));
    }

    [Fact]
    public async Task KnownHostsTrustRefusesUnknownKeysWhateverThePolicy()
    {
        using var rig = new TrustRig(Line("[10.0.0.5]:2222", OtherKey));
        var log = new List<string>();
        var strict = new SshMux.Trust.KnownHostsTrust([rig.KnownHosts], (_, message) => log.Add(message));
        var unknown = Hop(HostKeyPolicy.AcceptNew, "new.example", 22);

        Assert.False(await strict.VerifyAsync(new SshMux.Trust.HostKeyCheck("web", unknown, new(Key, "ssh-ed25519", "SSH-2.0-x")), CancellationToken.None));
        Assert.True(await strict.VerifyAsync(new SshMux.Trust.HostKeyCheck("web", Hop(HostKeyPolicy.Ask), new(OtherKey, "ssh-ed25519", "SSH-2.0-x")), CancellationToken.None));
        Assert.Single(File.ReadAllLines(rig.KnownHosts));
        Assert.Contains(log, l => l.Contains("is not known", StringComparison.Ordinal));
    }
}
