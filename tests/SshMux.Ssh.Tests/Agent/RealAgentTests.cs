using System.Text;
using SshMux.Ssh.Agent;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Tests.Keys;

namespace SshMux.Ssh.Tests.Agent;

/// <summary>
/// Keys made by ssh-keygen, loaded into one real ssh-agent with ssh-add. Made on first use so a
/// run without the tools (and without CI=true) skips instead of failing in the fixture.
/// </summary>
public sealed class AgentKeysFixture : IDisposable
{
    private readonly Lazy<(TempDirectory Directory, RealAgent Agent, AgentTestKey[] Keys)> _state = new(Create);

    public string Directory => _state.Value.Directory.Path;

    internal RealAgent Agent => _state.Value.Agent;

    public IReadOnlyList<AgentTestKey> Keys => _state.Value.Keys;

    public AgentTestKey Key(string name) => Keys.Single(k => k.Name == name);

    public static readonly (string Name, string Type, string Bits)[] Specs =
    [
        ("ed25519", "ed25519", "256"),
        ("ecdsa256", "ecdsa", "256"),
        ("ecdsa384", "ecdsa", "384"),
        ("ecdsa521", "ecdsa", "521"),
        ("rsa", "rsa", "2048"),
    ];

    /// <summary>Generates the keys with ssh-keygen into <paramref name="directory"/>.</summary>
    public static AgentTestKey[] Generate(string directory) => Specs.Select(spec =>
    {
        var path = Path.Combine(directory, "id_" + spec.Name);
        SshKeygen.Check("-q", "-t", spec.Type, "-b", spec.Bits, "-N", "", "-C", $"agent test {spec.Name}", "-f", path);
        return new AgentTestKey(spec.Name, path, SshPublicKeyLine.Parse(File.ReadAllText(path + ".pub")));
    }).ToArray();

    private static (TempDirectory, RealAgent, AgentTestKey[]) Create()
    {
        AgentTools.Require();
        var directory = new TempDirectory();
        var keys = Generate(directory.Path);
        var agent = new RealAgent(directory.Path);
        foreach (var key in keys)
        {
            agent.Add(key.PrivatePath);
        }

        return (directory, agent, keys);
    }

    public void Dispose()
    {
        if (_state.IsValueCreated)
        {
            _state.Value.Agent.Dispose();
            _state.Value.Directory.Dispose();
        }
    }
}

public sealed record AgentTestKey(string Name, string PrivatePath, SshPublicKeyLine Public)
{
    public string PublicPath => PrivatePath + ".pub";
}

/// <summary>The client against OpenSSH's ssh-agent: listing, signing with every algorithm, key removal, certificates.</summary>
public class RealAgentTests(AgentKeysFixture fixture) : IClassFixture<AgentKeysFixture>
{
    public static TheoryData<string, string> KeysAndAlgorithms()
    {
        var data = new TheoryData<string, string>
        {
            { "ed25519", "ssh-ed25519" },
            { "ecdsa256", "ecdsa-sha2-nistp256" },
            { "ecdsa384", "ecdsa-sha2-nistp384" },
            { "ecdsa521", "ecdsa-sha2-nistp521" },
            { "rsa", "rsa-sha2-512" },
            { "rsa", "rsa-sha2-256" },
            { "rsa", "ssh-rsa" },
        };
        return data;
    }

    [SshAgentFact]
    public async Task ListsEveryAddedKeyInOrderWithItsComment()
    {
        var client = new SshAgentClient(fixture.Agent.SocketPath);
        var listed = await client.RequestIdentitiesAsync();

        Assert.Equal(fixture.Keys.Count, listed.Count);
        for (var i = 0; i < listed.Count; i++)
        {
            var expected = fixture.Keys[i].Public;
            Assert.False(listed[i].IsCertificate);
            Assert.Equal(expected.Key, listed[i].PublicKey);
            Assert.Equal(expected.Key.Blob.ToArray(), listed[i].Blob.ToArray());
            Assert.Equal(expected.Key.KeyType, listed[i].KeyType);
            Assert.Equal(expected.Comment, listed[i].Comment);
            Assert.Equal(expected.Key.GetSha256Fingerprint(), listed[i].Fingerprint);
        }

        // ssh-add -l prints the same keys, fingerprints and comments, in the same order.
        var lines = fixture.Agent.ListWithSshAdd();
        Assert.Equal(listed.Select(k => SshKeyFingerprint.FormatKeygenLine(k.PublicKey!, k.Comment)), lines);
    }

    [SshAgentTheory]
    [MemberData(nameof(KeysAndAlgorithms))]
    public async Task SignsWithEveryKeyAndAlgorithm(string name, string algorithm)
    {
        var key = fixture.Key(name);
        var client = new SshAgentClient(fixture.Agent.SocketPath);
        var listed = (await client.RequestIdentitiesAsync()).Single(k => k.PublicKey == key.Public.Key);
        var identity = new AgentIdentity(client, listed);
        Assert.Equal(key.Public.Key.KeyType, identity.KeyType);
        Assert.Equal(key.Public.Comment, identity.Comment);

        var message = $"message {Guid.NewGuid()} for {name} {algorithm}";
        var data = SshSig.SignedData(Encoding.UTF8.GetBytes(message));
        var signature = await identity.SignAsync(algorithm, data, CancellationToken.None);

        Assert.True(key.Public.Key.Verify(algorithm, data, signature));
        Assert.False(key.Public.Key.Verify(algorithm, SshSig.SignedData(Encoding.UTF8.GetBytes(message + "!")), signature));

        // The same request through the raw API returns the blob unchanged; for ssh-rsa without a
        // flag the agent uses SHA-1, and with a flag the RFC 8332 algorithm.
        var raw = await client.SignAsync(listed.Blob, data, SshAgentProtocol.FlagsFor(algorithm));
        Assert.True(key.Public.Key.Verify(algorithm, data, raw));

        // OpenSSH's own verifier agrees (it refuses SHA-1 RSA in SSHSIG, so ssh-rsa is not asked).
        if (algorithm != "ssh-rsa")
        {
            Assert.True(SshSig.Check(fixture.Directory, key.Public.Key.Blob.ToArray(), signature, message), "ssh-keygen -Y check-novalidate refused");
            Assert.False(SshSig.Check(fixture.Directory, key.Public.Key.Blob.ToArray(), signature, message + "!"));
        }
    }

    [SshAgentFact]
    public async Task OneHeldConnectionServesABatchAndConcurrentCalls()
    {
        var client = new SshAgentClient(fixture.Agent.SocketPath);
        await using var connection = await client.ConnectAsync();
        var identities = await AgentIdentity.FromAgentAsync(connection);
        Assert.Equal(fixture.Keys.Count, identities.Count);

        var data = Encoding.UTF8.GetBytes("batch");
        var signatures = await Task.WhenAll(identities.Select(async identity =>
        {
            var algorithm = identity.PublicKey.SignatureAlgorithms[0];
            return (identity, algorithm, signature: await identity.SignAsync(algorithm, data, CancellationToken.None));
        }));
        foreach (var (identity, algorithm, signature) in signatures)
        {
            Assert.True(identity.PublicKey.Verify(algorithm, data, signature), identity.ToString());
        }

        // The connection is still in step after the concurrent calls.
        Assert.Equal(fixture.Keys.Count, (await connection.RequestIdentitiesAsync()).Count);
    }

    [SshAgentFact]
    public async Task ARemovedKeyDisappearsFromTheNextListingAndCannotSign()
    {
        using var dir = new TempDirectory();
        var keys = AgentKeysFixture.Generate(dir.Path).Where(k => k.Name is "ed25519" or "ecdsa256").ToArray();
        using var agent = new RealAgent(dir.Path);
        foreach (var key in keys)
        {
            agent.Add(key.PrivatePath);
        }

        var client = new SshAgentClient(agent.SocketPath);
        await using var held = await client.ConnectAsync();
        var before = await client.RequestIdentitiesAsync();
        Assert.Equal(keys.Select(k => k.Public.Key), before.Select(k => k.PublicKey));
        var removedIdentity = new AgentIdentity(client, before[0]);

        agent.Remove(keys[0].PublicPath);

        var after = await client.RequestIdentitiesAsync();
        Assert.Equal([keys[1].Public.Key], after.Select(k => k.PublicKey));
        Assert.Equal([keys[1].Public.Key], (await held.RequestIdentitiesAsync()).Select(k => k.PublicKey));

        var e = await Assert.ThrowsAsync<SshAgentException>(async () =>
            await removedIdentity.SignAsync("ssh-ed25519", new byte[] { 1, 2, 3 }, CancellationToken.None));
        Assert.Equal(SshAgentError.Refused, e.Error);
        Assert.Contains("refused to sign with ssh-ed25519 " + keys[0].Public.Key.GetSha256Fingerprint(), e.Message, StringComparison.Ordinal);

        // A refusal is a complete reply: the held connection stays usable.
        var data = new byte[] { 4, 5, 6 };
        var signature = await held.SignAsync(after[0].Blob, data, SshAgentSignFlags.None);
        Assert.True(keys[1].Public.Key.Verify("ecdsa-sha2-nistp256", data, signature));
    }

    [SshAgentFact]
    public async Task CertificatesAreListedAsRawBlobsAndSignWithTheSubjectKey()
    {
        using var dir = new TempDirectory();
        var ca = Path.Combine(dir.Path, "ca");
        SshKeygen.Check("-q", "-t", "ed25519", "-N", "", "-C", "ca", "-f", ca);
        var user = AgentKeysFixture.Generate(dir.Path).Single(k => k.Name == "ecdsa384");
        SshKeygen.Check("-q", "-s", ca, "-I", "agent-test", "-n", "someone", "-V", "+1h", user.PublicPath);
        var certificateLine = File.ReadAllText(user.PrivatePath + "-cert.pub").Split(' ');

        using var agent = new RealAgent(dir.Path);
        agent.Add(user.PrivatePath); // ssh-add also loads id_ecdsa384-cert.pub beside the key

        var listed = await new SshAgentClient(agent.SocketPath).RequestIdentitiesAsync();
        Assert.Equal(2, listed.Count);
        var certificate = Assert.Single(listed, k => k.IsCertificate);
        Assert.Equal("ecdsa-sha2-nistp384-cert-v01@openssh.com", certificate.KeyType);
        Assert.Equal(certificateLine[0], certificate.KeyType);
        Assert.Equal(Convert.FromBase64String(certificateLine[1]), certificate.Blob.ToArray());
        Assert.Null(certificate.PublicKey);
        Assert.Throws<ArgumentException>(() => new AgentIdentity(new SshAgentClient(agent.SocketPath), certificate));

        // The agent signs for the certificate blob with the subject key.
        var identity = new AgentIdentity(new SshAgentClient(agent.SocketPath), certificate, user.Public.Key);
        Assert.Equal(certificate.KeyType, identity.KeyType);
        var data = Encoding.UTF8.GetBytes("certificate");
        var signature = await identity.SignAsync("ecdsa-sha2-nistp384", data, CancellationToken.None);
        Assert.True(user.Public.Key.Verify("ecdsa-sha2-nistp384", data, signature));

        // FromAgentAsync leaves the certificate out until its subject can be parsed here.
        var identities = await AgentIdentity.FromAgentAsync(new SshAgentClient(agent.SocketPath));
        Assert.Equal([user.Public.Key], identities.Select(i => i.PublicKey));
    }

    [Fact]
    public async Task AMissingSocketIsNamedInTheError()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "no-such-agent.sock");
        var e = await Assert.ThrowsAsync<SshAgentException>(async () => await new SshAgentClient(path).RequestIdentitiesAsync());
        Assert.Equal(SshAgentError.ConnectFailed, e.Error);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("no such socket", e.Message, StringComparison.Ordinal);
    }

    [SshAgentFact]
    public async Task AnAgentThatExitedIsNamedInTheError()
    {
        using var dir = new TempDirectory();
        string path;
        using (var agent = new RealAgent(dir.Path))
        {
            path = agent.SocketPath;
            Assert.Empty(await new SshAgentClient(path).RequestIdentitiesAsync());
        }

        // The agent was killed (SIGKILL), so its socket file is left behind and refuses connections.
        var e = await Assert.ThrowsAsync<SshAgentException>(async () => await new SshAgentClient(path).RequestIdentitiesAsync());
        Assert.Equal(SshAgentError.ConnectFailed, e.Error);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);

        // The same for a socket file nobody listens on, independent of ssh-agent (bound but
        // not listening; .NET unlinks the file when the socket is closed).
        var stale = Path.Combine(dir.Path, "stale.sock");
        using var bound = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        bound.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(stale));

        Assert.True(File.Exists(stale));
        e = await Assert.ThrowsAsync<SshAgentException>(async () => await new SshAgentClient(stale).RequestIdentitiesAsync());
        Assert.Equal(SshAgentError.ConnectFailed, e.Error);
        Assert.Contains(stale, e.Message, StringComparison.Ordinal);
        Assert.Contains("refused", e.Message, StringComparison.Ordinal);
    }
}
