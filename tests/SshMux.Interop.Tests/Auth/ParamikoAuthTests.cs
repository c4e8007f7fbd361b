using System.Text;
using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Transport;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Auth;

/// <summary>Password and keyboard-interactive against Paramiko, in both roles.</summary>
public class ParamikoAuthTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [ParamikoFact]
    public Task ClientPasswordAgainstParamiko() => _run.RunAsync(async ct =>
    {
        using var directory = new TempDirectory("sshmux-paramiko-");
        var (server, port) = await Paramiko.StartServerAsync(_run, directory, "password");
        await using (server)
        {
            await using var client = await OurClient.ConnectAsync(port, _run, null, ct);
            var attempts = new List<int>();
            var options = Options();
            options.PasswordCallback = (request, _) =>
            {
                attempts.Add(request.Attempt);
                return ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes(request.Attempt == 1 ? "wrong" : "pw"));
            };

            var result = await AuthenticateAsync(client, "alice", options, ct);

            Assert.Equal(["password"], result.Methods);
            Assert.Equal([1, 2], attempts);
            await server.WaitForLineAsync(l => l == "AUTHENTICATED alice", TimeSpan.FromSeconds(10), "paramiko's verdict");
            Assert.Equal(1, server.Count(l => l == "PASSWORD REFUSED alice"));
        }
    });

    [ParamikoFact]
    public Task ClientKeyboardInteractiveTwoRoundsAgainstParamiko() => _run.RunAsync(async ct =>
    {
        using var directory = new TempDirectory("sshmux-paramiko-");
        var (server, port) = await Paramiko.StartServerAsync(_run, directory, "keyboard-interactive");
        await using (server)
        {
            await using var client = await OurClient.ConnectAsync(port, _run, null, ct);
            var rounds = new List<KeyboardInteractiveRound>();
            var options = Options();
            options.KeyboardInteractiveCallback = (round, _) =>
            {
                rounds.Add(round);
                return ValueTask.FromResult<IReadOnlyList<byte[]>?>(round.Prompts.Select(p => Encoding.UTF8.GetBytes(p.Echo ? "1234" : "otp-secret")).ToArray());
            };

            var result = await AuthenticateAsync(client, "bob", options, ct);

            Assert.Equal(["keyboard-interactive"], result.Methods);
            Assert.Equal(2, rounds.Count);
            Assert.Equal(("Two-step check", "Round one: your code"), (rounds[0].Name, rounds[0].Instruction));
            Assert.Equal([new KeyboardInteractivePrompt("Code: ", true)], rounds[0].Prompts);
            Assert.Equal("Round two: one-time password", rounds[1].Instruction);
            Assert.Equal([new KeyboardInteractivePrompt("OTP: ", false)], rounds[1].Prompts);
            await server.WaitForLineAsync(l => l == "AUTHENTICATED bob", TimeSpan.FromSeconds(10), "paramiko's verdict");
        }
    });

    [ParamikoFact]
    public Task ClientPasswordThenKeyboardInteractiveWithPartialSuccess() => _run.RunAsync(async ct =>
    {
        using var directory = new TempDirectory("sshmux-paramiko-");
        var (server, port) = await Paramiko.StartServerAsync(_run, directory, "partial");
        await using (server)
        {
            await using var client = await OurClient.ConnectAsync(port, _run, null, ct);
            var options = Options();
            options.PasswordCallback = (_, _) => ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes("pw"));
            options.KeyboardInteractiveCallback = (round, _) =>
                ValueTask.FromResult<IReadOnlyList<byte[]>?>(round.Prompts.Select(p => Encoding.UTF8.GetBytes(p.Echo ? "1234" : "otp-secret")).ToArray());

            var result = await AuthenticateAsync(client, "carol", options, ct);

            Assert.Equal(["password", "keyboard-interactive"], result.Methods);
            await server.WaitForLineAsync(l => l == "AUTHENTICATED carol", TimeSpan.FromSeconds(10), "paramiko's verdict");
        }
    });

    [ParamikoFact]
    public Task ClientWrongPasswordsEndInPermissionDenied() => _run.RunAsync(async ct =>
    {
        using var directory = new TempDirectory("sshmux-paramiko-");
        var (server, port) = await Paramiko.StartServerAsync(_run, directory, "password");
        await using (server)
        {
            await using var client = await OurClient.ConnectAsync(port, _run, null, ct);
            var options = Options();
            options.MaxPasswordAttempts = 2;
            options.PasswordCallback = (_, _) => ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes("nope"));

            var error = await Assert.ThrowsAsync<SshAuthenticationException>(() => AuthenticateAsync(client, "dave", options, ct));

            Assert.StartsWith("Permission denied (password)", error.Message, StringComparison.Ordinal);
            Assert.Equal(["none", "password", "password"], error.TriedMethods);
        }
    });

    [ParamikoFact]
    public Task ParamikoPasswordAgainstOurServer() => _run.RunAsync(async ct =>
    {
        using var directory = new TempDirectory("sshmux-paramiko-");
        var authenticator = new TwoFactorAuthenticator();
        await using var server = OurAuthServer.Start(_run, authenticator, configureTransport: EcdsaHostKey);

        var paramiko = await Paramiko.RunClientAsync(_run, directory, "password", server.Port, "pw");

        Assert.Equal(0, paramiko.ExitCode);
        Assert.Contains("AUTHENTICATED", paramiko.Output.Split('\n'));
        var result = await (await server.NextAsync(TimeSpan.FromSeconds(10))).Completion.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(("sshmux-interop", "password"), (result.User, Assert.Single(result.Methods)));
    });

    [ParamikoFact]
    public Task ParamikoWrongPasswordIsRefusedByOurServer() => _run.RunAsync(async ct =>
    {
        using var directory = new TempDirectory("sshmux-paramiko-");
        await using var server = OurAuthServer.Start(_run, new TwoFactorAuthenticator(), configureTransport: EcdsaHostKey);

        var paramiko = await Paramiko.RunClientAsync(_run, directory, "password", server.Port, "wrong");

        Assert.Equal(1, paramiko.ExitCode);
        Assert.Contains(paramiko.Output.Split('\n'), l => l.StartsWith("AUTH FAILED", StringComparison.Ordinal));
        Assert.Equal(1, (await server.NextAsync(TimeSpan.FromSeconds(10))).Failures);
    });

    [ParamikoFact]
    public Task ParamikoKeyboardInteractiveAgainstOurServer() => _run.RunAsync(async ct =>
    {
        using var directory = new TempDirectory("sshmux-paramiko-");
        await using var server = OurAuthServer.Start(_run, new TwoFactorAuthenticator(), configureTransport: EcdsaHostKey);

        var paramiko = await Paramiko.RunClientAsync(_run, directory, "keyboard-interactive", server.Port, "otp-secret");

        Assert.Equal(0, paramiko.ExitCode);
        var rounds = paramiko.Output.Split('\n').Where(l => l.StartsWith("ROUND ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
        [
            "ROUND title='Two-step check' instructions='Round one: your code' prompts=[('Code: ', True)]",
            "ROUND title='' instructions='Round two: one-time password' prompts=[('OTP: ', False)]",
        ], rounds);
        var result = await (await server.NextAsync(TimeSpan.FromSeconds(10))).Completion.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal("keyboard-interactive", Assert.Single(result.Methods));
    });

    private static void EcdsaHostKey(SshServerOptions options) => options.HostKeys = [OurHostKeys.Get("ecdsa-sha2-nistp256")];

    private ClientAuthOptions Options() => new() { Log = _run.TransportLog("client auth") };

    private static Task<ClientAuthResult> AuthenticateAsync(OurClient client, string user, ClientAuthOptions options, CancellationToken ct)
    {
        var router = new SshServiceRouter(client.Transport) { Connection = new RefusingConnectionService(client.Transport) };
        return SshClientAuthentication.AuthenticateAsync(router, user, options, ct);
    }

    /// <summary>Password "pw", or two keyboard-interactive rounds: code 1234 (echoed), then otp-secret (hidden).</summary>
    private sealed class TwoFactorAuthenticator : IServerAuthenticator
    {
        public ValueTask<IReadOnlyList<string>> GetMethodsAsync(ServerAuthContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<string>>(["password", "keyboard-interactive"]);

        public ValueTask<PublicKeyDecision> CheckPublicKeyAsync(ServerAuthContext context, PublicKeyRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(PublicKeyDecision.Refuse);

        public ValueTask<AuthOutcome> CheckPasswordAsync(ServerAuthContext context, ReadOnlyMemory<byte> password, CancellationToken cancellationToken) =>
            ValueTask.FromResult(password.Span.SequenceEqual("pw"u8) ? AuthOutcome.Success : AuthOutcome.Failure);

        public ValueTask<IKeyboardInteractiveConversation?> BeginKeyboardInteractiveAsync(ServerAuthContext context, string submethods, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IKeyboardInteractiveConversation?>(new Conversation());

        private sealed class Conversation : IKeyboardInteractiveConversation
        {
            private int _round;

            public ValueTask<KeyboardInteractiveStep> NextAsync(IReadOnlyList<ReadOnlyMemory<byte>> responses, CancellationToken cancellationToken)
            {
                var step = _round++ switch
                {
                    0 => KeyboardInteractiveStep.Ask("Two-step check", "Round one: your code", [new("Code: ", true)]),
                    1 when responses.Count == 1 && responses[0].Span.SequenceEqual("1234"u8) =>
                        KeyboardInteractiveStep.Ask(string.Empty, "Round two: one-time password", [new("OTP: ", false)]),
                    2 when responses.Count == 1 && responses[0].Span.SequenceEqual("otp-secret"u8) => KeyboardInteractiveStep.Finish(AuthOutcome.Success),
                    _ => KeyboardInteractiveStep.Finish(AuthOutcome.Failure),
                };
                return ValueTask.FromResult(step);
            }

            public void Dispose()
            {
            }
        }
    }
}
