using System.Text;
using SshMux.Interop.Tests.Harness;
using SshMux.Prompts;
using SshMux.Routing;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using Xunit.Abstractions;

namespace SshMux.Tests.Prompts;

/// <summary>
/// The keyboard-interactive relay end to end: an upstream server that asks for a one-time
/// code, a gateway-side server whose authenticator is the relay (publickey, then the
/// upstream's prompts as the client's own rounds), and a client: ssh-mux's own, or OpenSSH's
/// ssh answering through SSH_ASKPASS.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KeyboardInteractiveRelayTests(ITestOutputHelper output)
{
    private const string Code = "424242";

    private static readonly Route Relayed = new("web", new RouteHop("127.0.0.1", 22, "deploy", []), [], false, RelayKeyboardInteractive: true, "test:1");

    [Fact]
    public Task Our_client_answers_the_upstreams_prompt_and_signs_in_with_publickey_then_keyboard_interactive()
    {
        var run = new InteropRun(output);
        return run.RunAsync(async ct =>
        {
            await using var rig = await Rig.StartAsync(run, Relayed, null);
            var rounds = new List<KeyboardInteractiveRound>();
            var result = await rig.SignInAsync(Code, rounds, ct);
            Assert.Equal([SshAuthMethods.PublicKey, SshAuthMethods.KeyboardInteractive], result.Methods);
            Assert.Equal([SshAuthMethods.KeyboardInteractive], (await rig.UpstreamAuthenticated.WaitAsync(ct)).Methods);
            var round = Assert.Single(rounds);
            Assert.Equal("ssh-mux: OTP check", round.Name);
            Assert.Equal("Route web -> deploy@127.0.0.1:22\nEnter the code from your token", round.Instruction);
            var prompt = Assert.Single(round.Prompts);
            Assert.Equal("Verification code: ", prompt.Text);
            Assert.False(prompt.Echo);
            Assert.Equal([SshAuthMethods.PublicKey, SshAuthMethods.KeyboardInteractive], (await rig.Gateway.Completion.WaitAsync(ct)).Methods);
        });
    }

    [Fact]
    public Task A_wrong_code_fails_the_round_and_the_client_may_try_again()
    {
        var run = new InteropRun(output);
        return run.RunAsync(async ct =>
        {
            await using var rig = await Rig.StartAsync(run, Relayed, null);
            var rounds = new List<KeyboardInteractiveRound>();
            var answers = new Queue<string>(["000000", Code]);
            var result = await rig.SignInAsync(answers, rounds, ct);
            Assert.Equal([SshAuthMethods.PublicKey, SshAuthMethods.KeyboardInteractive], result.Methods);
            Assert.Equal(2, rounds.Count);
            Assert.Equal(2, rig.UpstreamAttempts);
        });
    }

    [Fact]
    public Task An_upstream_that_is_already_connected_ends_the_round_at_once_without_prompts()
    {
        var run = new InteropRun(output);
        return run.RunAsync(async ct =>
        {
            var routes = new List<string>();
            await using var rig = await Rig.StartAsync(run, Relayed, null, (route, _) =>
            {
                // The pool already holds a connection for the route: nothing to ask.
                routes.Add(route.Name);
                return Task.CompletedTask;
            });
            var rounds = new List<KeyboardInteractiveRound>();
            var result = await rig.SignInAsync(Code, rounds, ct);
            Assert.Equal([SshAuthMethods.PublicKey, SshAuthMethods.KeyboardInteractive], result.Methods);
            Assert.Empty(rounds);
            Assert.Equal(["web"], routes);
        });
    }

    [Fact]
    public Task A_failing_upstream_connection_refuses_the_round()
    {
        var run = new InteropRun(output);
        return run.RunAsync(async ct =>
        {
            await using var rig = await Rig.StartAsync(run, Relayed, null, (_, _) => throw new IOException("connection refused"));
            var rounds = new List<KeyboardInteractiveRound>();
            await Assert.ThrowsAsync<SshAuthenticationException>(() => rig.SignInAsync(Code, rounds, ct));
            Assert.Empty(rounds);
        });
    }

    [Fact]
    public Task A_route_without_the_relay_signs_in_with_publickey_alone()
    {
        var run = new InteropRun(output);
        return run.RunAsync(async ct =>
        {
            await using var rig = await Rig.StartAsync(run, Relayed with { RelayKeyboardInteractive = false }, null);
            var rounds = new List<KeyboardInteractiveRound>();
            var result = await rig.SignInAsync(Code, rounds, ct);
            Assert.Equal([SshAuthMethods.PublicKey], result.Methods);
            Assert.Empty(rounds);
            Assert.Equal(0, rig.UpstreamAttempts);
        });
    }

    [Fact]
    public Task A_client_that_disconnects_mid_round_cancels_the_upstream_prompt()
    {
        var run = new InteropRun(output);
        return run.RunAsync(async ct =>
        {
            await using var rig = await Rig.StartAsync(run, Relayed, null);
            var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var client = await OurClient.ConnectAsync(rig.GatewayPort, run, null, ct);
            var signing = rig.SignInAsync(client, async (_, _) =>
            {
                // The person walked away: the client sits in the round until the test lets it go.
                asked.TrySetResult();
                await release.Task;
                return null;
            }, ct);
            await asked.Task.WaitAsync(ct);

            // Closing the client's transport ends the gateway's conversation, which cancels the upstream's prompt.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var disposing = client.DisposeAsync().AsTask();
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => rig.UpstreamAuthenticated.WaitAsync(TimeSpan.FromSeconds(20), ct));
            Assert.IsNotType<TimeoutException>(failure);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the upstream prompt was cancelled only after {watch.Elapsed}");
            release.TrySetResult();
            await disposing.WaitAsync(ct);
            await Assert.ThrowsAnyAsync<Exception>(() => signing.WaitAsync(ct));
        });
    }

    [PeerFact(Peers.Ssh, Peers.SshKeygen)]
    public Task OpenSSH_ssh_answers_the_relayed_prompt_through_SSH_ASKPASS()
    {
        var run = new InteropRun(output);
        return run.RunAsync(async ct =>
        {
            using var directory = new TempDirectory("sshmux-relay-");
            var key = await UserKey.GenerateAsync(directory.File("id_ed25519"));
            await using var rig = await Rig.StartAsync(run, Relayed, key.PublicKey);
            var prompts = directory.File("prompts.log");
            var askpass = directory.File("askpass.sh");
            await File.WriteAllTextAsync(askpass, $$"""
                #!/bin/sh
                printf '%s\0' "$1" >> '{{prompts}}'
                case "$1" in
                  *"Verification code"*) echo {{Code}} ;;
                  *) exit 1 ;;
                esac

                """, ct);
            File.SetUnixFileMode(askpass, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var ssh = Peers.Require(Peers.Ssh);
            string[] arguments =
            [
                "-v", "-F", "/dev/null", "-i", key.PrivateKeyPath,
                "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "PreferredAuthentications=publickey,keyboard-interactive",
                "-o", "ConnectTimeout=20", "-p", rig.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-l", "web", "127.0.0.1", "true",
            ];
            var environment = new Dictionary<string, string?>
            {
                ["SSH_ASKPASS"] = askpass,
                ["SSH_ASKPASS_REQUIRE"] = "force",
                ["DISPLAY"] = null,
                ["SSH_AUTH_SOCK"] = null,
            };
            var result = await PipedProcess.RunAsync("ssh", ssh, arguments, null, TimeSpan.FromSeconds(60), environment);
            Assert.Contains("Authenticated to 127.0.0.1", result.StderrText, StringComparison.Ordinal);
            Assert.Equal([SshAuthMethods.PublicKey, SshAuthMethods.KeyboardInteractive], (await rig.Gateway.Completion.WaitAsync(ct)).Methods);
            Assert.Equal([SshAuthMethods.KeyboardInteractive], (await rig.UpstreamAuthenticated.WaitAsync(ct)).Methods);

            // ssh showed the route and host from the round's instruction, and the upstream's prompt.
            Assert.Contains("Route web -> deploy@127.0.0.1:22", result.StderrText + File.ReadAllText(prompts), StringComparison.Ordinal);
            Assert.Contains("Verification code:", File.ReadAllText(prompts), StringComparison.Ordinal);
        });
    }

    /// <summary>Upstream (asks for the code), broker, and the gateway-side server with the relay.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly OurAuthServer _upstream;
        private readonly OurAuthServer _gateway;
        private readonly List<OurClient> _upstreamClients = [];
        private int _attempts;

        private Rig(OurAuthServer upstream, OurAuthServer gateway, SshPrivateKey clientKey)
        {
            _upstream = upstream;
            _gateway = gateway;
            ClientKey = clientKey;
        }

        public SshPrivateKey ClientKey { get; }

        public int GatewayPort => _gateway.Port;

        public int UpstreamAttempts => Volatile.Read(ref _attempts);

        public TaskCompletionSource<ClientAuthResult> UpstreamDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<ClientAuthResult> UpstreamAuthenticated => UpstreamDone.Task;

        public SshServerAuthentication Gateway { get; private set; } = null!;

        public static async Task<Rig> StartAsync(InteropRun run, Route route, SshPublicKey? opensshKey, Func<Route, CancellationToken, Task>? connected = null)
        {
            var upstream = OurAuthServer.Start(run, new OtpAuthenticator());
            var clientKey = SshPrivateKey.Generate("ssh-ed25519");
            var keys = new PublicKeyListAuthenticator([clientKey.PublicKey, .. opensshKey is null ? Array.Empty<SshPublicKey>() : [opensshKey]]);
            var broker = new PromptBroker(new PromptBrokerOptions { Timeout = TimeSpan.FromSeconds(30), Log = run.TransportLog("broker") });
            Rig? rig = null;
            var relay = new KeyboardInteractiveRelay(keys, user => user == route.Name ? route : null, broker, connected ?? ((r, ct) => rig!.ConnectUpstreamAsync(run, broker, r, ct)), run.TransportLog("relay"));
            var gateway = OurAuthServer.Start(run, relay, o => o.FailureDelay = TimeSpan.Zero);
            rig = new Rig(upstream, gateway, clientKey);
            rig.Watch(gateway);
            await Task.CompletedTask;
            return rig;
        }

        private void Watch(OurAuthServer gateway) =>
            _ = Task.Run(async () => Gateway = await gateway.NextAsync(TimeSpan.FromSeconds(60)));

        /// <summary>What the pool does for a route: connect and authenticate, every prompt through the broker.</summary>
        private async Task ConnectUpstreamAsync(InteropRun run, PromptBroker broker, Route route, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            var client = await OurClient.ConnectAsync(_upstream.Port, run, null, cancellationToken);
            lock (_upstreamClients)
            {
                _upstreamClients.Add(client);
            }

            var router = new SshServiceRouter(client.Transport) { Connection = new RefusingConnectionService(client.Transport) };
            var options = new ClientAuthOptions
            {
                MaxKeyboardInteractiveAttempts = 1,
                KeyboardInteractiveCallback = async (round, ct) => await broker.AskAsync(
                    new PromptRequest(PromptKind.KeyboardInteractive, route.Name, route.Target.Display, round.Name, round.Instruction, [.. round.Prompts.Select(p => new PromptField(p.Text, p.Echo))]),
                    ct),
            };
            try
            {
                UpstreamDone.TrySetResult(await SshClientAuthentication.AuthenticateAsync(router, route.Target.User, options, cancellationToken));
            }
            catch (Exception e)
            {
                UpstreamDone.TrySetException(e);
                throw;
            }
        }

        public Task<ClientAuthResult> SignInAsync(string answer, List<KeyboardInteractiveRound> rounds, CancellationToken ct) =>
            SignInAsync(new Queue<string>([answer]), rounds, ct);

        public async Task<ClientAuthResult> SignInAsync(Queue<string> answers, List<KeyboardInteractiveRound> rounds, CancellationToken ct)
        {
            await using var client = await OurClient.ConnectAsync(GatewayPort, new InteropRun(new NullOutput()), null, ct);
            return await SignInAsync(client, (round, _) =>
            {
                rounds.Add(round);
                return ValueTask.FromResult<IReadOnlyList<byte[]>?>(answers.TryDequeue(out var a) ? [Encoding.UTF8.GetBytes(a)] : null);
            }, ct);
        }

        public Task<ClientAuthResult> SignInAsync(OurClient client, Func<KeyboardInteractiveRound, CancellationToken, ValueTask<IReadOnlyList<byte[]>?>> callback, CancellationToken ct)
        {
            var router = new SshServiceRouter(client.Transport) { Connection = new RefusingConnectionService(client.Transport) };
            var options = new ClientAuthOptions
            {
                Identities = [new PrivateKeyIdentity(ClientKey)],
                KeyboardInteractiveCallback = callback,
            };
            return SshClientAuthentication.AuthenticateAsync(router, Relayed.Name, options, ct);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var client in _upstreamClients)
            {
                await client.DisposeAsync();
            }

            await _gateway.DisposeAsync();
            await _upstream.DisposeAsync();
        }
    }

    private sealed class NullOutput : ITestOutputHelper
    {
        public void WriteLine(string message)
        {
        }

        public void WriteLine(string format, params object[] args)
        {
        }
    }

    /// <summary>An upstream that wants one keyboard-interactive round: the code.</summary>
    private sealed class OtpAuthenticator : IServerAuthenticator
    {
        public ValueTask<IReadOnlyList<string>> GetMethodsAsync(ServerAuthContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<string>>([SshAuthMethods.KeyboardInteractive]);

        public ValueTask<PublicKeyDecision> CheckPublicKeyAsync(ServerAuthContext context, PublicKeyRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(PublicKeyDecision.Refuse);

        public ValueTask<AuthOutcome> CheckPasswordAsync(ServerAuthContext context, ReadOnlyMemory<byte> password, CancellationToken cancellationToken) =>
            ValueTask.FromResult(AuthOutcome.Failure);

        public ValueTask<IKeyboardInteractiveConversation?> BeginKeyboardInteractiveAsync(ServerAuthContext context, string submethods, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IKeyboardInteractiveConversation?>(new Conversation());

        private sealed class Conversation : IKeyboardInteractiveConversation
        {
            private bool _asked;

            public ValueTask<KeyboardInteractiveStep> NextAsync(IReadOnlyList<ReadOnlyMemory<byte>> responses, CancellationToken cancellationToken)
            {
                if (!_asked)
                {
                    _asked = true;

                    // The remote text carries escape sequences the relay must not pass on.
                    return ValueTask.FromResult(KeyboardInteractiveStep.Ask("\u001b]0;owned\u0007OTP check", "Enter the code \u001b[31mfrom your token\u001b[0m", [new KeyboardInteractivePrompt("Verification code: ", false)]));
                }

                var ok = responses.Count == 1 && responses[0].Span.SequenceEqual(Encoding.ASCII.GetBytes(Code));
                return ValueTask.FromResult(KeyboardInteractiveStep.Finish(ok ? AuthOutcome.Success : AuthOutcome.Failure));
            }

            public void Dispose()
            {
            }
        }
    }
}
