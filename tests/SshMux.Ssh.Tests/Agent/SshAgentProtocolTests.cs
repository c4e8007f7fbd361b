using System.Text;
using SshMux.Ssh.Agent;
using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Agent;

/// <summary>The message encoders and strict decoders, against byte layouts written out from RFC 9987 (draft-miller-ssh-agent).</summary>
public class SshAgentProtocolTests
{
    [Fact]
    public void MessageNumbersAndFlagsAreThoseOfTheSpecification()
    {
        Assert.Equal(2u, (uint)SshAgentSignFlags.RsaSha256);
        Assert.Equal(4u, (uint)SshAgentSignFlags.RsaSha512);
        Assert.Equal(SshAgentSignFlags.RsaSha256, SshAgentProtocol.FlagsFor("rsa-sha2-256"));
        Assert.Equal(SshAgentSignFlags.RsaSha512, SshAgentProtocol.FlagsFor("rsa-sha2-512"));
        Assert.Equal(SshAgentSignFlags.None, SshAgentProtocol.FlagsFor("ssh-rsa"));
        Assert.Equal(SshAgentSignFlags.None, SshAgentProtocol.FlagsFor("ssh-ed25519"));
        Assert.Equal(256 * 1024, SshAgentProtocol.MaxMessageLength);
    }

    [Fact]
    public void RequestIdentitiesIsALengthOfOneAndTypeEleven() =>
        Assert.Equal(new byte[] { 0, 0, 0, 1, 11 }, SshAgentProtocol.EncodeRequestIdentities());

    [Fact]
    public void SignRequestIsFramedKeyDataAndFlags()
    {
        byte[] expected =
        [
            0, 0, 0, 18,            // length: type + 4+2 + 4+3 + 4
            13,                     // SSH_AGENTC_SIGN_REQUEST
            0, 0, 0, 2, 0xaa, 0xbb, // string key blob
            0, 0, 0, 3, 1, 2, 3,    // string data
            0, 0, 0, 4,             // uint32 flags = SSH_AGENT_RSA_SHA2_512
        ];
        Assert.Equal(expected, SshAgentProtocol.EncodeSignRequest([0xaa, 0xbb], [1, 2, 3], SshAgentSignFlags.RsaSha512));
    }

    [Fact]
    public void ASignRequestOverTheAgentLimitIsRefusedHere()
    {
        var blob = new byte[51];
        var fits = new byte[SshAgentProtocol.MaxMessageLength - 13 - blob.Length];
        Assert.Equal(4 + SshAgentProtocol.MaxMessageLength, SshAgentProtocol.EncodeSignRequest(blob, fits, SshAgentSignFlags.None).Length);
        var e = Assert.Throws<ArgumentException>(() => SshAgentProtocol.EncodeSignRequest(blob, new byte[fits.Length + 1], SshAgentSignFlags.None));
        Assert.Contains("262145 bytes exceeds", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AListingIsDecodedInOrder()
    {
        var keys = TestKeys.All.Select((k, i) => (k.PublicKey.Blob.ToArray(), $"key {i} ✓")).ToArray();
        var listed = SshAgentProtocol.DecodeIdentities(FakeAgent.IdentitiesBody(keys));
        Assert.Equal(TestKeys.All.Select(k => k.PublicKey), listed.Select(k => k.PublicKey));
        Assert.Equal(keys.Select(k => k.Item2), listed.Select(k => k.Comment));
        Assert.Empty(SshAgentProtocol.DecodeIdentities([0, 0, 0, 0]));
    }

    [Fact]
    public void ACommentThatIsNotUtf8DoesNotFailTheListing()
    {
        using var writer = new SshWriter();
        writer.WriteUInt32(1);
        writer.WriteBinary(TestKeys.ForKeyType("ssh-ed25519").PublicKey.Blob.Span);
        writer.WriteBinary([0x66, 0xff, 0x6f]);
        var key = Assert.Single(SshAgentProtocol.DecodeIdentities(writer.WrittenSpan));
        Assert.Equal("f\uFFFDo", key.Comment);
    }

    [Fact]
    public void AnImplausibleKeyCountIsRefusedBeforeReading()
    {
        var e = Assert.Throws<SshException>(() => SshAgentProtocol.DecodeIdentities([0, 0, 8, 1]));
        Assert.Contains("2049 keys is more than the limit of 2048", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASignatureBlobHasExactlyAnAlgorithmAndASignature()
    {
        using var writer = new SshWriter();
        writer.WriteString("rsa-sha2-512").WriteBinary([1, 2, 3]);
        Assert.Equal("rsa-sha2-512", SshAgentProtocol.ReadSignatureAlgorithm(writer.WrittenSpan));
        writer.WriteByte(0);
        Assert.Throws<SshException>(() => SshAgentProtocol.ReadSignatureAlgorithm(writer.WrittenSpan));
        Assert.Throws<SshException>(() => SshAgentProtocol.ReadSignatureAlgorithm(Encoding.ASCII.GetBytes("\0\0\0\x0bssh-ed25519")));
    }

    [Fact]
    public void WithoutSshAuthSockThereIsNoAgent()
    {
        foreach (var value in new[] { null, string.Empty })
        {
            var e = Assert.Throws<SshAgentException>(() => SshAgentClient.FromSocketVariable(value, isWindows: false, timeout: null));
            Assert.Equal(SshAgentError.NoAgent, e.Error);
            Assert.Equal("No ssh-agent: SSH_AUTH_SOCK is not set", e.Message);
        }

        Assert.Equal("/tmp/agent.1/socket", SshAgentClient.FromSocketVariable("/tmp/agent.1/socket", isWindows: false, timeout: null).Path);

        // On Windows the OpenSSH agent service's pipe is the default; SSH_AUTH_SOCK still wins.
        Assert.Equal(@"\\.\pipe\openssh-ssh-agent", SshAgentClient.FromSocketVariable(null, isWindows: true, timeout: null).Path);
        Assert.Equal(@"\\.\pipe\other", SshAgentClient.FromSocketVariable(@"\\.\pipe\other", isWindows: true, timeout: null).Path);
        Assert.True(AgentEndpoint.IsPipePath(@"\\.\pipe\openssh-ssh-agent"));
        Assert.False(AgentEndpoint.IsPipePath(@"\\.\pipe\"));
        Assert.False(AgentEndpoint.IsPipePath("/tmp/ssh-XXXX/agent.1"));
    }

    [Fact]
    public void TheTimeoutMustBePositiveOrInfinite()
    {
        Assert.Equal(SshAgentClient.DefaultTimeout, new SshAgentClient("/x").Timeout);
        Assert.Equal(Timeout.InfiniteTimeSpan, new SshAgentClient("/x", Timeout.InfiniteTimeSpan).Timeout);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SshAgentClient("/x", TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => new SshAgentClient(""));
    }

    [Fact]
    public async Task AnUnusableSocketPathIsNamed()
    {
        var path = "/tmp/" + new string('a', 200) + "/agent.sock";
        var e = await Assert.ThrowsAsync<SshAgentException>(async () => await new SshAgentClient(path).RequestIdentitiesAsync());
        Assert.Equal(SshAgentError.ConnectFailed, e.Error);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }
}
