using System.Globalization;
using SshMux.Interop.Tests.Harness;
using SshMux.Ssh;
using SshMux.Ssh.Auth;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Auth;

/// <summary>PuTTY's plink (putty-tools) signing in to ssh-mux's server with a password.</summary>
public class PlinkVsServerAuthTests(ITestOutputHelper output)
{
    private const string Plink = "plink";
    private readonly InteropRun _run = new(output);

    [PeerTheory(Plink)]
    [InlineData("pw", true)]
    [InlineData("not the password", false)]
    public Task PasswordSignIn(string password, bool accepted) => _run.RunAsync(async ct =>
    {
        using var home = new TempDirectory("sshmux-plink-");
        await using var server = OurAuthServer.Start(_run, new PasswordAuthenticator("pw"), o => o.MaxAttempts = 2);

        var plink = await RunPlinkAsync(server.Port, home, password);

        var auth = await server.NextAsync(TimeSpan.FromSeconds(10));
        if (accepted)
        {
            var result = await auth.Completion.WaitAsync(TimeSpan.FromSeconds(10), ct);
            Assert.Equal(("sshmux-interop", "password"), (result.User, Assert.Single(result.Methods)));
            Assert.Contains("Access granted", plink.Output, StringComparison.Ordinal);
        }
        else
        {
            // plink does not retry a password given on the command line; our server saw one failure.
            await Assert.ThrowsAsync<SshException>(() => auth.Completion.WaitAsync(TimeSpan.FromSeconds(10), ct));
            Assert.DoesNotContain("Access granted", plink.Output, StringComparison.Ordinal);
            Assert.True(auth.Failures >= 1);
        }

        Assert.NotEqual(0, plink.ExitCode);
    });

    private async Task<ClientRun> RunPlinkAsync(int port, TempDirectory home, string password)
    {
        var plink = Peers.Require(Plink);
        var hostKey = OurHostKeys.Get("ssh-ed25519").PublicKey;
        var process = _run.Track(PeerProcess.Start("plink", plink,
        [
            "-ssh", "-batch", "-v", "-noagent",
            "-P", port.ToString(CultureInfo.InvariantCulture),
            "-l", "sshmux-interop",
            "-pw", password,
            "-hostkey", hostKey.GetSha256Fingerprint(),
            "127.0.0.1", "true",
        ], new Dictionary<string, string> { ["HOME"] = home.Path }));
        try
        {
            return new ClientRun(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), process);
        }
        finally
        {
            await process.DisposeAsync();
        }
    }

    private sealed class PasswordAuthenticator(string password) : IServerAuthenticator
    {
        public ValueTask<IReadOnlyList<string>> GetMethodsAsync(ServerAuthContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<string>>(["password"]);

        public ValueTask<PublicKeyDecision> CheckPublicKeyAsync(ServerAuthContext context, PublicKeyRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(PublicKeyDecision.Refuse);

        public ValueTask<AuthOutcome> CheckPasswordAsync(ServerAuthContext context, ReadOnlyMemory<byte> given, CancellationToken cancellationToken) =>
            ValueTask.FromResult(given.Span.SequenceEqual(System.Text.Encoding.UTF8.GetBytes(password)) ? AuthOutcome.Success : AuthOutcome.Failure);

        public ValueTask<IKeyboardInteractiveConversation?> BeginKeyboardInteractiveAsync(ServerAuthContext context, string submethods, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IKeyboardInteractiveConversation?>(null);
    }
}
