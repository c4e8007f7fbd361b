using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using SshMux.Ssh.Agent;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Tests.Keys;
using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Agent;

/// <summary>Hostile and broken agents, scripted on a Unix socket: every misbehaviour must end in a clear SshAgentException.</summary>
public class FakeAgentTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    private static SshPrivateKey Rsa => TestKeys.ForKeyType("ssh-rsa");

    private static SshPrivateKey Ed25519 => TestKeys.ForKeyType("ssh-ed25519");

    /// <summary>An agent holding <paramref name="key"/> that signs with whatever <paramref name="algorithmFor"/> picks for the flags.</summary>
    private static Func<Stream, CancellationToken, Task> Signer(SshPrivateKey key, Func<uint, string> algorithmFor, List<uint>? flagsSeen = null,
        Func<byte[], byte[]>? tamperData = null) => async (stream, ct) =>
    {
        while (await FakeAgent.ReadRequestAsync(stream, ct) is { } request)
        {
            if (request.Type == 11)
            {
                await FakeAgent.WriteMessageAsync(stream, 12, FakeAgent.IdentitiesBody((key.PublicKey.Blob.ToArray(), "fake key")), ct);
                continue;
            }

            var (blob, data, flags) = FakeAgent.ParseSignRequest(request.Body);
            Assert.Equal(key.PublicKey.Blob.ToArray(), blob);
            lock (flagsSeen ?? [])
            {
                flagsSeen?.Add(flags);
            }

            var signature = key.Sign(algorithmFor(flags), tamperData is null ? data : tamperData(data));
            await FakeAgent.WriteMessageAsync(stream, 14, FakeAgent.SignResponseBody(signature), ct);
        }
    };

    /// <summary>Answers every request with the given raw bytes, then keeps or closes the connection.</summary>
    private static Func<Stream, CancellationToken, Task> Replies(byte[] reply, bool close) => async (stream, ct) =>
    {
        while (await FakeAgent.ReadRequestAsync(stream, ct) is not null)
        {
            await stream.WriteAsync(reply, ct);
            await stream.FlushAsync(ct);
            if (close)
            {
                return;
            }
        }
    };

    private static byte[] Frame(byte type, params byte[] body)
    {
        var frame = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(1 + body.Length));
        frame[4] = type;
        body.CopyTo(frame, 5);
        return frame;
    }

    private static SshAgentKey RsaKey => SshAgentKey.FromPublicKey(Rsa.PublicKey, "fake key");

    private static string HonestAlgorithm(uint flags) => flags switch
    {
        2 => "rsa-sha2-256",
        4 => "rsa-sha2-512",
        0 => "ssh-rsa",
        _ => throw new InvalidOperationException($"unexpected flags {flags}"),
    };

    [Theory]
    [InlineData("rsa-sha2-512", 4u)]
    [InlineData("rsa-sha2-256", 2u)]
    [InlineData("ssh-rsa", 0u)]
    public async Task AnHonestAgentGetsTheRsaFlagsAndItsSignatureIsAccepted(string algorithm, uint expectedFlags)
    {
        using var dir = new TempDirectory();
        var flags = new List<uint>();
        await using var fake = new FakeAgent(dir.Path, Signer(Rsa, HonestAlgorithm, flags));
        var identity = (await AgentIdentity.FromAgentAsync(new SshAgentClient(fake.Path))).Single();
        Assert.Equal("fake key", identity.Comment);

        var data = Encoding.UTF8.GetBytes("honest " + algorithm);
        var signature = await identity.SignAsync(algorithm, data, CancellationToken.None);
        Assert.True(Rsa.PublicKey.Verify(algorithm, data, signature));
        Assert.Equal([expectedFlags], flags);
    }

    [Theory]
    [InlineData("rsa-sha2-512", "ssh-rsa", "downgrade to SHA-1")]
    [InlineData("rsa-sha2-256", "ssh-rsa", "downgrade to SHA-1")]
    [InlineData("rsa-sha2-256", "rsa-sha2-512", "refusing it")]
    public async Task ASignatureWithAnotherAlgorithmIsRefused(string requested, string returned, string why)
    {
        using var dir = new TempDirectory();
        await using var fake = new FakeAgent(dir.Path, Signer(Rsa, _ => returned));
        var identity = new AgentIdentity(new SshAgentClient(fake.Path), RsaKey);

        var e = await Assert.ThrowsAsync<SshAgentException>(async () =>
            await identity.SignAsync(requested, "data"u8.ToArray(), CancellationToken.None));
        Assert.Equal(SshAgentError.AlgorithmMismatch, e.Error);
        Assert.Contains($"returned a {returned} signature when {requested} was requested", e.Message, StringComparison.Ordinal);
        Assert.Contains(Rsa.PublicKey.GetSha256Fingerprint(), e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<SshException>(e);
    }

    [Fact]
    public async Task ASignatureThatDoesNotVerifyIsRefused()
    {
        using var dir = new TempDirectory();
        await using var fake = new FakeAgent(dir.Path, Signer(Ed25519, _ => "ssh-ed25519", tamperData: d => [.. d, 0]));
        var identity = new AgentIdentity(new SshAgentClient(fake.Path), SshAgentKey.FromPublicKey(Ed25519.PublicKey, "c"));

        var e = await Assert.ThrowsAsync<SshAgentException>(async () =>
            await identity.SignAsync("ssh-ed25519", "data"u8.ToArray(), CancellationToken.None));
        Assert.Equal(SshAgentError.InvalidSignature, e.Error);
        Assert.Contains("does not verify", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAlgorithmTheKeyCannotUseIsRefusedBeforeAskingTheAgent()
    {
        using var dir = new TempDirectory();
        await using var fake = new FakeAgent(dir.Path, Signer(Ed25519, _ => "ssh-ed25519"));
        var identity = new AgentIdentity(new SshAgentClient(fake.Path), SshAgentKey.FromPublicKey(Ed25519.PublicKey, "c"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await identity.SignAsync("rsa-sha2-512", "x"u8.ToArray(), CancellationToken.None));
        Assert.Equal(0, fake.ConnectionCount);
    }

    [Theory]
    [InlineData(5)]   // SSH_AGENT_FAILURE
    [InlineData(28)]  // SSH_AGENT_EXTENSION_FAILURE
    [InlineData(30)]  // SSH2_AGENT_FAILURE
    [InlineData(102)] // SSH_COM_AGENT2_FAILURE
    public async Task AFailureReplyIsARefusalNamingTheKey(byte failure)
    {
        using var dir = new TempDirectory();
        await using var fake = new FakeAgent(dir.Path, Replies(Frame(failure), close: false));
        var client = new SshAgentClient(fake.Path);
        var identity = new AgentIdentity(client, SshAgentKey.FromPublicKey(Ed25519.PublicKey, "my key"));

        var e = await Assert.ThrowsAsync<SshAgentException>(async () =>
            await identity.SignAsync("ssh-ed25519", "data"u8.ToArray(), CancellationToken.None));
        Assert.Equal(SshAgentError.Refused, e.Error);
        Assert.Contains("The agent refused to sign with ssh-ed25519 " + Ed25519.PublicKey.GetSha256Fingerprint(), e.Message, StringComparison.Ordinal);

        e = await Assert.ThrowsAsync<SshAgentException>(async () => await client.RequestIdentitiesAsync());
        Assert.Equal(SshAgentError.Refused, e.Error);
        Assert.Contains(fake.Path, e.Message, StringComparison.Ordinal);

        // A refusal is a whole reply: a held connection stays in step.
        await using var connection = await client.ConnectAsync();
        for (var i = 0; i < 2; i++)
        {
            e = await Assert.ThrowsAsync<SshAgentException>(async () => await connection.RequestIdentitiesAsync());
            Assert.Equal(SshAgentError.Refused, e.Error);
        }
    }

    public static TheoryData<string, byte[], SshAgentError, string> BrokenReplies() => new()
    {
        { "no reply", [], SshAgentError.ConnectionClosed, "closed the connection without answering SSH_AGENTC_REQUEST_IDENTITIES" },
        { "half a length", [0, 0], SshAgentError.ConnectionClosed, "in the middle of a reply length (2 of 4 bytes)" },
        { "truncated body", [0, 0, 0, 100, 12, 0, 0, 0, 0, 1, 2, 3, 4, 5], SshAgentError.ConnectionClosed, "in the middle of a reply (10 of 100 bytes)" },
        { "empty message", [0, 0, 0, 0], SshAgentError.ProtocolError, "empty reply" },
        { "oversize", [0, 4, 0, 1, 12], SshAgentError.ProtocolError, "reply of 262145 bytes, more than the limit of 262144 bytes" },
        { "huge", [0xff, 0xff, 0xff, 0xff], SshAgentError.ProtocolError, "reply of 4294967295 bytes" },
        { "wrong type", Frame(6), SshAgentError.ProtocolError, "answered SSH_AGENTC_REQUEST_IDENTITIES with SSH_AGENT_SUCCESS, not SSH_AGENT_IDENTITIES_ANSWER" },
        { "count too high", Frame(12, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0), SshAgentError.ProtocolError, "2 keys cannot fit in 8 bytes" },
        { "short entry", Frame(12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 1), SshAgentError.ProtocolError, "malformed reply" },
        { "trailing bytes", Frame(12, 0, 0, 0, 0, 7), SshAgentError.ProtocolError, "1 unexpected trailing bytes" },
        { "no count", Frame(12, 0, 0), SshAgentError.ProtocolError, "number of keys" },
    };

    [Theory]
    [MemberData(nameof(BrokenReplies))]
    public async Task ABrokenListingReplyIsAClearError(string name, byte[] reply, SshAgentError error, string message)
    {
        using var dir = new TempDirectory();
        await using var fake = new FakeAgent(dir.Path, Replies(reply, close: true));
        await using var connection = await new SshAgentClient(fake.Path, TimeSpan.FromSeconds(10)).ConnectAsync();

        var e = await Assert.ThrowsAsync<SshAgentException>(async () => await connection.RequestIdentitiesAsync());
        Assert.True(e.Error == error, $"{name}: {e.Error} {e.Message}");
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains(fake.Path, e.Message, StringComparison.Ordinal);

        // After a broken reply the connection is not trusted again.
        var again = await Assert.ThrowsAsync<SshAgentException>(async () => await connection.RequestIdentitiesAsync());
        Assert.Equal(SshAgentError.ConnectionClosed, again.Error);
        Assert.Contains("unusable after an earlier failure", again.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 3, 1, 2, 3, 9 }, "trailing bytes")] // string signature, then a stray byte
    [InlineData(new byte[] { 0, 0, 0, 9, 1 }, "signature needs 9 bytes")]
    public async Task ABrokenSignReplyIsAClearError(byte[] body, string message)
    {
        using var dir = new TempDirectory();
        await using var fake = new FakeAgent(dir.Path, Replies(Frame(14, body), close: false));
        var e = await Assert.ThrowsAsync<SshAgentException>(async () =>
            await new SshAgentClient(fake.Path).SignAsync(Ed25519.PublicKey.Blob, "x"u8.ToArray(), SshAgentSignFlags.None));
        Assert.Equal(SshAgentError.ProtocolError, e.Error);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASignatureBlobThatIsNotOneIsAProtocolError()
    {
        using var dir = new TempDirectory();
        using var junk = new SshWriter();
        junk.WriteBinary("not a signature blob"u8);
        await using var fake = new FakeAgent(dir.Path, Replies(Frame(14, junk.ToArray()), close: false));
        var identity = new AgentIdentity(new SshAgentClient(fake.Path), SshAgentKey.FromPublicKey(Ed25519.PublicKey, "c"));
        var e = await Assert.ThrowsAsync<SshAgentException>(async () => await identity.SignAsync("ssh-ed25519", "x"u8.ToArray(), CancellationToken.None));
        Assert.Equal(SshAgentError.ProtocolError, e.Error);
        Assert.Contains("malformed signature", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReplyOfExactlyTheLimitIsAccepted()
    {
        // One key whose comment pads the message (type byte included) to exactly 256 KiB.
        var blob = Ed25519.PublicKey.Blob.ToArray();
        var commentLength = 256 * 1024 - 1 - 4 - (4 + blob.Length) - 4;
        var body = FakeAgent.IdentitiesBody((blob, new string('c', commentLength)));
        Assert.Equal(256 * 1024, 1 + body.Length);

        using var dir = new TempDirectory();
        await using var fake = new FakeAgent(dir.Path, Replies(Frame(12, body), close: false));
        var key = Assert.Single(await new SshAgentClient(fake.Path).RequestIdentitiesAsync());
        Assert.Equal(commentLength, key.Comment.Length);
    }

    [Fact]
    public async Task AnAgentThatNeverAnswersTimesOut()
    {
        using var dir = new TempDirectory();
        await using var fake = new FakeAgent(dir.Path, async (stream, ct) =>
        {
            await FakeAgent.ReadRequestAsync(stream, ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var client = new SshAgentClient(fake.Path, Short);

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<SshAgentException>(async () => await client.RequestIdentitiesAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
        Assert.True(clock.Elapsed >= Short * 0.9, clock.Elapsed.ToString());
        Assert.Equal(SshAgentError.Timeout, e.Error);
        Assert.Contains($"{fake.Path} did not answer SSH_AGENTC_REQUEST_IDENTITIES within 0.3 s", e.Message, StringComparison.Ordinal);

        // A held connection is out of step after a timeout, so it refuses further use.
        await using var connection = await client.ConnectAsync();
        e = await Assert.ThrowsAsync<SshAgentException>(async () =>
            await connection.SignAsync(Ed25519.PublicKey.Blob, "x"u8.ToArray(), SshAgentSignFlags.None));
        Assert.Equal(SshAgentError.Timeout, e.Error);
        Assert.Contains("SSH_AGENTC_SIGN_REQUEST", e.Message, StringComparison.Ordinal);
        e = await Assert.ThrowsAsync<SshAgentException>(async () => await connection.RequestIdentitiesAsync());
        Assert.Equal(SshAgentError.ConnectionClosed, e.Error);
    }

    [Fact]
    public async Task CancellationByTheCallerIsNotATimeout()
    {
        using var dir = new TempDirectory();
        await using var fake = new FakeAgent(dir.Path, async (stream, ct) =>
        {
            await FakeAgent.ReadRequestAsync(stream, ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        using var cancel = new CancellationTokenSource(Short);
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await new SshAgentClient(fake.Path, TimeSpan.FromSeconds(30)).RequestIdentitiesAsync(cancel.Token));
        Assert.Equal(cancel.Token, e.CancellationToken);
    }

    [Fact]
    public async Task TheClientConnectsAfreshForEachCallAndAConnectionIsReused()
    {
        using var dir = new TempDirectory();
        await using var fake = new FakeAgent(dir.Path, Signer(Ed25519, _ => "ssh-ed25519"));
        var client = new SshAgentClient(fake.Path);

        await client.RequestIdentitiesAsync();
        var identity = (await AgentIdentity.FromAgentAsync(client)).Single();
        await identity.SignAsync("ssh-ed25519", "one"u8.ToArray(), CancellationToken.None);
        await identity.SignAsync("ssh-ed25519", "two"u8.ToArray(), CancellationToken.None);
        Assert.Equal(4, fake.ConnectionCount);

        await using (var connection = await client.ConnectAsync())
        {
            var held = (await AgentIdentity.FromAgentAsync(connection)).Single();
            await held.SignAsync("ssh-ed25519", "three"u8.ToArray(), CancellationToken.None);
            await held.SignAsync("ssh-ed25519", "four"u8.ToArray(), CancellationToken.None);
        }

        Assert.Equal(5, fake.ConnectionCount);
    }

    [Fact]
    public async Task KeysThisLayerCannotUseAreSkippedAndCertificatesKept()
    {
        var ed25519 = Ed25519.PublicKey.Blob.ToArray();
        var certificate = Blob("ssh-ed25519-cert-v01@openssh.com", w => w.WriteBinary(new byte[32]).WriteBinary(new byte[32]));
        var sk = Blob("sk-ssh-ed25519@openssh.com", w => w.WriteBinary(new byte[32]).WriteString("ssh:"));
        var dss = Blob("ssh-dss", w => w.WriteUnsignedMPInt([1]).WriteUnsignedMPInt([2]).WriteUnsignedMPInt([3]).WriteUnsignedMPInt([4]));
        var body = FakeAgent.IdentitiesBody((sk, "security key"), (ed25519, "plain"), (dss, "dsa"), ([0xff, 0xff, 0xff, 0xff], "junk"),
            (certificate, "cert"), ([], "empty"));

        using var dir = new TempDirectory();
        await using var fake = new FakeAgent(dir.Path, Replies(Frame(12, body), close: false));
        var keys = await new SshAgentClient(fake.Path).RequestIdentitiesAsync();

        Assert.Equal(["plain", "cert"], keys.Select(k => k.Comment));
        Assert.Equal(Ed25519.PublicKey, keys[0].PublicKey);
        Assert.True(keys[1].IsCertificate);
        Assert.Equal("ssh-ed25519-cert-v01@openssh.com", keys[1].KeyType);
        Assert.Equal(certificate, keys[1].Blob.ToArray());
        Assert.StartsWith("SHA256:", keys[1].Fingerprint, StringComparison.Ordinal);
    }

    private static byte[] Blob(string type, Action<SshWriter> fields)
    {
        using var writer = new SshWriter();
        writer.WriteString(type);
        fields(writer);
        return writer.ToArray();
    }
}
