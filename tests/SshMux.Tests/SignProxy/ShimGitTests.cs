using System.Text;
using SshMux.Interop.Tests.Harness;
using SshMux.SignProxy;

namespace SshMux.Tests.SignProxy;

/// <summary>
/// contrib/sign-proxy/ssh-mux-sign-shim as git's gpg.ssh.program: a real `git commit -S` in a
/// temp repository signs through the proxy, `git verify-commit` (which runs the shim for
/// find-principals and verify, handed to the real ssh-keygen) accepts it, and
/// user.signingkey is filled from /publickey on first use.
/// </summary>
public sealed class ShimGitTests(SignProxyKeysFixture keys) : IClassFixture<SignProxyKeysFixture>
{
    private const string Token = "c2hpbS10ZXN0LXRva2VuLWZvci1naXQ";
    private const string Signer = "tester@example.test";

    /// <summary>The shim in the source tree, found from the test assembly's directory upwards.</summary>
    private static string ShimPath
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "contrib", "sign-proxy", "ssh-mux-sign-shim");
                if (File.Exists(Path.Combine(directory.FullName, "SshMux.slnx")) && File.Exists(candidate))
                {
                    return candidate;
                }
            }

            Assert.Fail("contrib/sign-proxy/ssh-mux-sign-shim not found above " + AppContext.BaseDirectory);
            return string.Empty;
        }
    }

    [PeerTheory(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen, SignProxyTools.Git, SignProxyTools.Curl)]
    [InlineData("ed25519", false)]
    [InlineData("ecdsa256", false)]
    [InlineData("rsa", false)]
    [InlineData("ed25519", true)]
    public async Task Git_commit_signed_through_the_shim_verifies(string keyName, bool unixSocketWithToken)
    {
        var key = keys.Key(keyName);
        using var directory = new TempDirectory("sshmux-shimgit-");
        await using var agent = await TestAgent.StartAsync(key);
        var settings = new SignProxySettings { AuthSocket = agent.SocketPath };
        var shimEnvironment = new Dictionary<string, string?>();
        if (unixSocketWithToken)
        {
            var tokenFile = directory.File("token");
            await File.WriteAllTextAsync(tokenFile, Token + "\n");
            settings = settings with { Listen = "unix:" + directory.File("sign.sock"), TokenFile = tokenFile };
            shimEnvironment["SSH_AGENT_PROXY_SOCKET"] = directory.File("sign.sock");
            shimEnvironment["SSH_AGENT_PROXY_URL"] = "http://localhost/sign";
            shimEnvironment["SSH_AGENT_PROXY_TOKEN_FILE"] = tokenFile;
        }

        await using var proxy = await SignProxyHost.StartAsync(settings);
        if (!unixSocketWithToken)
        {
            shimEnvironment["SSH_AGENT_PROXY_URL"] = new Uri(proxy.BaseAddress, "sign").ToString();
        }

        var repository = await CreateRepositoryAsync(directory, key, shimEnvironment);
        var cachedKey = Path.Combine(directory.Path, "home", ".cache", "ssh-mux-sign", "signing.pub");
        Assert.False(File.Exists(cachedKey));

        await repository.GitAsync("commit", "--allow-empty", "-S", "-m", "signed through ssh-mux sign-proxy");

        Assert.Equal(key.PublicLine + "\n", await File.ReadAllTextAsync(cachedKey));
        var commit = Encoding.UTF8.GetString((await repository.GitAsync("cat-file", "commit", "HEAD")).Stdout);
        Assert.Contains("gpgsig -----BEGIN SSH SIGNATURE-----", commit, StringComparison.Ordinal);
        var verify = await repository.GitAsync("verify-commit", "HEAD");
        Assert.Contains($"Good \"git\" signature for {Signer}", verify.StderrText, StringComparison.Ordinal);
        var log = await repository.GitAsync("log", "-1", "--format=%G?");
        Assert.Equal("G\n", log.StdoutText);
    }

    [PeerFact(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen, SignProxyTools.Git, SignProxyTools.Curl)]
    public async Task Git_commit_fails_with_the_proxy_reason_when_the_agent_is_gone()
    {
        var key = keys.Key("ed25519");
        using var directory = new TempDirectory("sshmux-shimgit-");
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { Upstream = directory.File("no-agent.sock") });
        var repository = await CreateRepositoryAsync(directory, key, new Dictionary<string, string?> { ["SSH_AGENT_PROXY_URL"] = new Uri(proxy.BaseAddress, "sign").ToString() });

        var commit = await repository.RunGitAsync("commit", "--allow-empty", "-S", "-m", "cannot be signed");

        Assert.NotEqual(0, commit.ExitCode);
        Assert.Contains("ssh-mux-sign-shim: the sign proxy answered 503: no agent: ", commit.StderrText, StringComparison.Ordinal);
        Assert.NotEqual(0, (await repository.RunGitAsync("rev-parse", "--verify", "-q", "HEAD")).ExitCode);
    }

    [PeerFact(SignProxyTools.SshAgent, SignProxyTools.SshAdd, SignProxyTools.SshKeygen, SignProxyTools.Curl)]
    public async Task Shim_signs_stdin_like_ssh_keygen_and_delegates_check_novalidate()
    {
        var key = keys.Key("ed25519");
        using var directory = new TempDirectory("sshmux-shim-");
        await using var agent = await TestAgent.StartAsync(key);
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { AuthSocket = agent.SocketPath });
        var environment = new Dictionary<string, string?> { ["SSH_AGENT_PROXY_URL"] = new Uri(proxy.BaseAddress, "sign").ToString() };
        var message = Encoding.UTF8.GetBytes("data on stdin\n");

        var signed = await SignProxyTools.RunAsync(ShimPath, ["-Y", "sign", "-n", "git", "-f", key.PublicPath], message, environment);

        Assert.True(signed.ExitCode == 0, signed.ToString());
        Assert.Equal(await SignProxyTools.KeygenSignAsync(key, "git", message), signed.StdoutText);
        var signature = directory.File("stdin.sig");
        await File.WriteAllBytesAsync(signature, signed.Stdout);
        var check = await SignProxyTools.RunAsync(ShimPath, ["-Y", "check-novalidate", "-n", "git", "-s", signature], message, environment);
        Assert.True(check.ExitCode == 0, check.ToString());
        var tampered = await SignProxyTools.RunAsync(ShimPath, ["-Y", "check-novalidate", "-n", "git", "-s", signature], [.. message, 1], environment);
        Assert.NotEqual(0, tampered.ExitCode);
        var otherNamespace = await SignProxyTools.RunAsync(ShimPath, ["-Y", "sign", "-n", "file", "-f", key.PublicPath], message, environment);
        Assert.NotEqual(0, otherNamespace.ExitCode);
        Assert.Contains("answered 400: malformed request: this proxy signs only in namespace \"git\"", otherNamespace.StderrText, StringComparison.Ordinal);
    }

    /// <summary>A repository configured as docs/sign-proxy.md says: gpg.format ssh, the shim, a not-yet-existing user.signingkey.</summary>
    private static async Task<GitRepository> CreateRepositoryAsync(TempDirectory directory, TestKey key, Dictionary<string, string?> shimEnvironment)
    {
        var home = directory.File("home");
        Directory.CreateDirectory(home);
        var environment = new Dictionary<string, string?>(shimEnvironment)
        {
            ["HOME"] = home,
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_CONFIG_GLOBAL"] = Path.Combine(home, ".gitconfig"),
            ["GIT_AUTHOR_NAME"] = "Tester",
            ["GIT_AUTHOR_EMAIL"] = Signer,
            ["GIT_COMMITTER_NAME"] = "Tester",
            ["GIT_COMMITTER_EMAIL"] = Signer,
        };
        var path = directory.File("repo");
        var repository = new GitRepository(path, environment);
        await SignProxyTools.CheckAsync(SignProxyTools.Git, ["init", "-q", path], environment: environment);
        var allowedSigners = directory.File("allowed_signers");
        await File.WriteAllTextAsync(allowedSigners, $"{Signer} namespaces=\"git\" {key.PublicLine}\n");
        await repository.GitAsync("config", "gpg.format", "ssh");
        await repository.GitAsync("config", "gpg.ssh.program", ShimPath);
        await repository.GitAsync("config", "user.signingkey", Path.Combine(home, ".cache", "ssh-mux-sign", "signing.pub"));
        await repository.GitAsync("config", "gpg.ssh.allowedSignersFile", allowedSigners);
        return repository;
    }

    private sealed record GitRepository(string Path, IReadOnlyDictionary<string, string?> Environment)
    {
        public Task<PipedResult> GitAsync(params string[] arguments) =>
            SignProxyTools.CheckAsync(SignProxyTools.Git, arguments, environment: Environment, workingDirectory: Path);

        public Task<PipedResult> RunGitAsync(params string[] arguments) =>
            SignProxyTools.RunAsync(SignProxyTools.Git, arguments, environment: Environment, workingDirectory: Path);
    }
}
