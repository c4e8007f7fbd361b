using System.Net;
using System.Text;
using SshMux.Interop.Tests.Harness;
using SshMux.SignProxy;

namespace SshMux.Tests.SignProxy;

/// <summary>
/// How the proxy behaves around the signature: no caching across requests, key pinning, a
/// missing or misbehaving agent, the token, the Unix socket and body limits. Each answer is
/// checked for its status and its one-line reason.
/// </summary>
public sealed class SignProxyBehaviourTests(SignProxyKeysFixture keys) : IClassFixture<SignProxyKeysFixture>
{
    private const string Token = "c2lnbi1wcm94eS10ZXN0LXRva2VuLTMy";
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("object to sign\n");

    [PeerFact(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen)]
    public async Task Key_rotated_in_the_agent_is_used_on_the_next_request()
    {
        var oldKey = keys.Key("ed25519");
        var newKey = keys.Key("ecdsa256");
        await using var agent = await TestAgent.StartAsync(oldKey);
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath });
        using var client = proxy.CreateClient();

        var before = await client.SignAsync(Message);
        Assert.Equal(oldKey.PublicLine + "\n", (await client.GetTextAsync("publickey")).Body);
        await agent.RemoveAsync(oldKey);
        await agent.AddAsync(newKey);
        var after = await client.SignAsync(Message);

        Assert.True(before.Status == 200, before.ToString());
        Assert.True(after.Status == 200, after.ToString());
        Assert.Equal(0, (await SignProxyTools.KeygenVerifyAsync(keys.Directory.Path, oldKey, "git", before.Body, Message)).ExitCode);
        Assert.Equal(0, (await SignProxyTools.KeygenVerifyAsync(keys.Directory.Path, newKey, "git", after.Body, Message)).ExitCode);
        Assert.NotEqual(0, (await SignProxyTools.KeygenVerifyAsync(keys.Directory.Path, oldKey, "git", after.Body, Message)).ExitCode);
        Assert.Equal(newKey.PublicLine + "\n", (await client.GetTextAsync("publickey")).Body);
    }

    [PeerFact(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen)]
    public async Task Pinned_key_is_used_even_when_it_is_not_the_first()
    {
        var pinned = keys.Key("rsa");
        await using var agent = await TestAgent.StartAsync(keys.Key("ed25519"), pinned);
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath, PublicKeyFile = pinned.PublicPath });
        using var client = proxy.CreateClient();

        var answer = await client.SignAsync(Message);

        Assert.True(answer.Status == 200, answer.ToString());
        Assert.Equal(await SignProxyTools.KeygenSignAsync(pinned, "git", Message), answer.Body);
    }

    [PeerFact(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen)]
    public async Task Pinned_key_missing_from_the_agent_is_409_naming_the_key()
    {
        var pinned = keys.Key("ecdsa521");
        await using var agent = await TestAgent.StartAsync(keys.Key("ed25519"));
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath, PublicKey = pinned.PublicLine });
        using var client = proxy.CreateClient();

        var sign = await client.SignAsync(Message);
        var publicKey = await client.GetTextAsync("publickey");

        Assert.Equal(409, sign.Status);
        Assert.StartsWith("no matching key: the pinned key ecdsa-sha2-nistp521 SHA256:", sign.Body, StringComparison.Ordinal);
        Assert.Equal(1, sign.Body.Count(c => c == '\n'));
        Assert.Equal(409, publicKey.Status);
    }

    [PeerFact(SignProxyTools.SshAgent)]
    public async Task Agent_without_keys_is_409()
    {
        await using var agent = await TestAgent.StartAsync();
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath });
        using var client = proxy.CreateClient();

        var answer = await client.SignAsync(Message);

        Assert.Equal(409, answer.Status);
        Assert.Contains("holds no usable key", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_agent_running_is_503()
    {
        using var directory = new TempDirectory("sshmux-noagent-");
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { Upstream = directory.File("gone.sock") });
        using var client = proxy.CreateClient();

        var sign = await client.SignAsync(Message);
        var publicKey = await client.GetTextAsync("publickey");
        var health = await client.GetTextAsync("healthz");

        Assert.Equal(503, sign.Status);
        Assert.StartsWith("no agent: ", sign.Body, StringComparison.Ordinal);
        Assert.Contains(directory.File("gone.sock"), sign.Body, StringComparison.Ordinal);
        Assert.Equal(503, publicKey.Status);
        Assert.Equal(new ProxyAnswer(200, "ok\n"), health);
    }

    [Fact]
    public async Task No_agent_configured_is_503()
    {
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings());
        using var client = proxy.CreateClient();

        var answer = await client.SignAsync(Message);

        Assert.Equal(503, answer.Status);
        Assert.Contains("SSH_AUTH_SOCK", answer.Body, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> WrongAlgorithms() => new()
    {
        { "rsa", "ssh-rsa", "refusing the downgrade to SHA-1" },
        { "rsa", "rsa-sha2-256", "when rsa-sha2-512 was requested" },
        { "ed25519", "ssh-rsa", "when ssh-ed25519 was requested" },
        { "ecdsa256", "ecdsa-sha2-nistp384", "when ecdsa-sha2-nistp256 was requested" },
    };

    [PeerTheory(SignProxyTools.SshKeygen)]
    [MemberData(nameof(WrongAlgorithms))]
    public async Task Agent_answering_with_another_algorithm_is_refused(string keyName, string answeredAlgorithm, string reason)
    {
        var key = keys.Key(keyName);
        await using var agent = new FakeAgent(KeyBlob(key), _ => FakeAgent.SignatureBlob(answeredAlgorithm, new byte[64]));
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath });
        using var client = proxy.CreateClient();

        var answer = await client.SignAsync(Message);

        Assert.Equal(502, answer.Status);
        Assert.StartsWith("agent failed: ", answer.Body, StringComparison.Ordinal);
        Assert.Contains(reason, answer.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN SSH SIGNATURE", answer.Body, StringComparison.Ordinal);
        // RSA is asked for SHA-512 explicitly (SSH_AGENT_RSA_SHA2_512 = 4); other keys with no flags.
        Assert.Equal(keyName == "rsa" ? 4u : 0u, Assert.Single(agent.SignFlags));
    }

    [PeerFact(SignProxyTools.SshKeygen)]
    public async Task Agent_answering_with_a_signature_that_does_not_verify_is_refused()
    {
        var key = keys.Key("ed25519");
        await using var agent = new FakeAgent(KeyBlob(key), _ => FakeAgent.SignatureBlob("ssh-ed25519", new byte[64]));
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath });
        using var client = proxy.CreateClient();

        var answer = await client.SignAsync(Message);

        Assert.Equal(502, answer.Status);
        Assert.Contains("does not verify", answer.Body, StringComparison.Ordinal);
    }

    [PeerFact(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen)]
    public async Task Agent_refusing_to_sign_is_502_agent_refused()
    {
        await using var agent = await TestAgent.StartAsync();
        await agent.AddWithConfirmationAsync(keys.Key("ed25519"));
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath });
        using var client = proxy.CreateClient();

        var answer = await client.SignAsync(Message);

        Assert.Equal(502, answer.Status);
        Assert.StartsWith("agent refused: The agent refused to sign with ssh-ed25519 SHA256:", answer.Body, StringComparison.Ordinal);
        Assert.Equal(200, (await client.GetTextAsync("publickey")).Status);
    }

    [PeerFact(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen)]
    public async Task Token_is_required_on_sign_and_publickey_but_not_healthz()
    {
        await using var agent = await TestAgent.StartAsync(keys.Key("ed25519"));
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath, Token = Token });
        using var anonymous = proxy.CreateClient();
        using var wrong = proxy.CreateClient(Token[..^1] + "x");
        using var shorter = proxy.CreateClient(Token[..^1]);
        using var right = proxy.CreateClient(Token);

        foreach (var client in new[] { anonymous, wrong, shorter })
        {
            var sign = await client.SignAsync(Message);
            Assert.Equal(401, sign.Status);
            Assert.StartsWith("unauthorized: ", sign.Body, StringComparison.Ordinal);
            Assert.Equal(401, (await client.GetTextAsync("publickey")).Status);
            Assert.Equal(200, (await client.GetTextAsync("healthz")).Status);
        }

        using var response = await anonymous.GetAsync("publickey");
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Equal(200, (await right.SignAsync(Message)).Status);
        Assert.Equal(200, (await right.GetTextAsync("publickey")).Status);
    }

    [PeerFact(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen)]
    public async Task Unix_socket_mode_listens_with_mode_0600_and_signs()
    {
        var key = keys.Key("ed25519");
        using var directory = new TempDirectory("sshmux-signsock-");
        var socketPath = directory.File("sign.sock");
        await using var agent = await TestAgent.StartAsync(key);
        await using (var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath, Listen = "unix:" + socketPath, Token = Token }))
        {
            Assert.Equal("unix:" + socketPath, proxy.Server.Address);
            Assert.Null(proxy.Server.Port);
            var mode = OperatingSystem.IsWindows() ? UnixFileMode.None : File.GetUnixFileMode(socketPath);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
            using var client = proxy.CreateClient(Token);
            var answer = await client.SignAsync(Message);
            Assert.True(answer.Status == 200, answer.ToString());
            Assert.Equal(await SignProxyTools.KeygenSignAsync(key, "git", Message), answer.Body);
            using var anonymous = proxy.CreateClient();
            Assert.Equal(401, (await anonymous.SignAsync(Message)).Status);
        }

        Assert.False(File.Exists(socketPath), "the socket is removed at shutdown");

        // A stale socket left by a crashed proxy is replaced; a regular file with contents is not.
        using (var stale = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            stale.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(socketPath));
        }

        await using (var again = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath, Listen = "unix:" + socketPath }))
        {
            using var client = again.CreateClient();
            Assert.Equal(200, (await client.GetTextAsync("healthz")).Status);
        }

        await File.WriteAllTextAsync(socketPath, "not a socket");
        var error = await Assert.ThrowsAsync<IOException>(() => SignProxyHost.StartAsync(new SignProxySettings { Listen = "unix:" + socketPath }));
        Assert.Contains("not a usable socket", error.Message, StringComparison.Ordinal);
        Assert.Equal("not a socket", await File.ReadAllTextAsync(socketPath));
    }

    [PeerFact(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen)]
    public async Task Empty_oversize_and_wrong_namespace_requests_are_refused_with_a_reason()
    {
        await using var agent = await TestAgent.StartAsync(keys.Key("ed25519"));
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath, MaxBody = "1000" });
        using var client = proxy.CreateClient();

        var empty = await client.SignAsync([]);
        Assert.Equal(400, empty.Status);
        Assert.StartsWith("malformed request: the body is empty", empty.Body, StringComparison.Ordinal);

        Assert.Equal(200, (await client.SignAsync(new byte[1000])).Status);
        var declared = await client.SignAsync(new byte[1001]);
        Assert.Equal(413, declared.Status);
        Assert.StartsWith("request too large: the body is over the 1000-byte limit", declared.Body, StringComparison.Ordinal);
        // Far over the limit: the answer still arrives while the client is sending, and the connection stays usable.
        Assert.Equal(413, (await client.SignAsync(new byte[300_000])).Status);
        Assert.Equal(200, (await client.SignAsync(Message)).Status);

        // Chunked, so the size is only found out while reading.
        using var chunked = new StreamContent(new MemoryStream(new byte[5000]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "sign") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        var streamed = await ProxyAnswer.ReadAsync(await client.SendAsync(request));
        Assert.Equal(413, streamed.Status);
        Assert.StartsWith("request too large", streamed.Body, StringComparison.Ordinal);

        Assert.Equal(200, (await client.SignAsync(Message, "sign?namespace=git")).Status);
        var otherNamespace = await client.SignAsync(Message, "sign?namespace=file");
        Assert.Equal(400, otherNamespace.Status);
        Assert.Equal("malformed request: this proxy signs only in namespace \"git\", not \"file\"\n", otherNamespace.Body);

        using var get = await client.GetAsync("sign");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
    }

    private static byte[] KeyBlob(TestKey key) => Convert.FromBase64String(key.PublicLine.Split(' ')[1]);
}
