using System.Text;
using SshMux.Interop.Tests.Harness;
using SshMux.SignProxy;
using SshMux.Ssh.Signatures;

namespace SshMux.Tests.SignProxy;

/// <summary>
/// Signatures from the proxy against OpenSSH: byte for byte what `ssh-keygen -Y sign` makes for
/// the deterministic schemes, and accepted by `ssh-keygen -Y verify` for every key type.
/// </summary>
public sealed class SignatureInteropTests(SignProxyKeysFixture keys) : IClassFixture<SignProxyKeysFixture>
{
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("tree 4b825dc642cb6eb9a060e54bf8d69288fbdee4904\nauthor A <a@example.test> 0 +0000\n\nsigned through the proxy\n");

    [PeerTheory(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen)]
    [InlineData("ed25519", "git")]
    [InlineData("rsa", "git")]
    [InlineData("ed25519", "file")]
    [InlineData("rsa", "release@example.test")]
    public async Task Signature_is_byte_identical_to_ssh_keygen(string keyName, string signatureNamespace)
    {
        var key = keys.Key(keyName);
        await using var agent = await TestAgent.StartAsync(key);
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath, Namespace = signatureNamespace });
        using var client = proxy.CreateClient();

        var answer = await client.SignAsync(Message);

        Assert.True(answer.Status == 200, answer.ToString());
        var expected = await SignProxyTools.KeygenSignAsync(key, signatureNamespace, Message);
        Assert.Equal(expected, answer.Body);
    }

    [PeerTheory(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen)]
    [InlineData("ed25519")]
    [InlineData("ecdsa256")]
    [InlineData("ecdsa384")]
    [InlineData("ecdsa521")]
    [InlineData("rsa")]
    public async Task Ssh_keygen_verify_accepts_every_signature(string keyName)
    {
        var key = keys.Key(keyName);
        await using var agent = await TestAgent.StartAsync(key);
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath });
        using var client = proxy.CreateClient();

        var answer = await client.SignAsync(Message);

        Assert.True(answer.Status == 200, answer.ToString());
        AssertArmour(answer.Body);
        var verify = await SignProxyTools.KeygenVerifyAsync(keys.Directory.Path, key, "git", answer.Body, Message);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("Good \"git\" signature for signer@example.test", verify.StderrText + verify.StdoutText, StringComparison.Ordinal);

        // The same signature must not pass for other bytes or another namespace.
        var tampered = await SignProxyTools.KeygenVerifyAsync(keys.Directory.Path, key, "git", answer.Body, [.. Message, (byte)'!']);
        Assert.NotEqual(0, tampered.ExitCode);
        var otherNamespace = await SignProxyTools.KeygenVerifyAsync(keys.Directory.Path, key, "file", answer.Body, Message);
        Assert.NotEqual(0, otherNamespace.ExitCode);
    }

    [PeerFact(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen)]
    public async Task Publickey_is_the_authorized_keys_line_of_the_first_key()
    {
        var first = keys.Key("ecdsa384");
        await using var agent = await TestAgent.StartAsync(first, keys.Key("ed25519"));
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath });
        using var client = proxy.CreateClient();

        var answer = await client.GetTextAsync("publickey");

        Assert.Equal(200, answer.Status);
        Assert.Equal(first.PublicLine + "\n", answer.Body);
        Assert.Equal(200, (await client.GetTextAsync("healthz")).Status);
    }

    [PeerFact(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen)]
    public async Task Large_message_is_hashed_as_a_stream_and_still_matches_ssh_keygen()
    {
        var key = keys.Key("ed25519");
        await using var agent = await TestAgent.StartAsync(key);
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath });
        using var client = proxy.CreateClient();
        var message = new byte[(int)SignProxyOptions.DefaultMaxBody];
        new Random(7).NextBytes(message);

        var answer = await client.SignAsync(message);

        Assert.True(answer.Status == 200, answer.ToString());
        Assert.Equal(await SignProxyTools.KeygenSignAsync(key, "git", message), answer.Body);
    }

    /// <summary>PROTOCOL.sshsig armour: BEGIN line, base64 lines of exactly 70 (the last up to 70), END line.</summary>
    private static void AssertArmour(string text)
    {
        var lines = text.Split('\n');
        Assert.Equal(SshSignature.BeginLine, lines[0]);
        Assert.Equal(string.Empty, lines[^1]);
        Assert.Equal(SshSignature.EndLine, lines[^2]);
        for (var i = 1; i < lines.Length - 3; i++)
        {
            Assert.Equal(70, lines[i].Length);
        }

        Assert.InRange(lines[^3].Length, 1, 70);
    }
}
