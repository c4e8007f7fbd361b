using System.Collections.Concurrent;
using System.Text;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Auth;

public class InteractiveAuthTests
{
    private static readonly ServerAuthOptions NoDelay = new() { FailureDelay = TimeSpan.Zero };

    private static TestAuthenticator PasswordIs(string password) => new()
    {
        Methods = _ => ["password"],
        Password = (_, given) => given == password ? AuthOutcome.Success : AuthOutcome.Failure,
    };

    [Fact]
    public async Task PasswordSucceedsAndIsWipedAfterSending()
    {
        await using var pair = await AuthPair.StartAsync(PasswordIs("s3cret \u00e9"));
        var handedOut = new List<byte[]>();
        var clientLog = new ConcurrentQueue<string>();
        var options = new ClientAuthOptions
        {
            Log = (_, message) => clientLog.Enqueue(message),
            PasswordCallback = (request, _) =>
            {
                Assert.Equal("olga", request.User);
                var bytes = Encoding.UTF8.GetBytes("s3cret \u00e9");
                handedOut.Add(bytes);
                return ValueTask.FromResult<byte[]?>(bytes);
            },
        };

        var result = await pair.AuthenticateAsync("olga", options);

        Assert.Equal(["password"], result.Methods);
        Assert.Null(result.Identity);
        Assert.All(handedOut, b => Assert.All(b, x => Assert.Equal(0, x)));
        Assert.Equal(["password"], (await pair.Server.Completion).Methods);
        Assert.NotEmpty(clientLog);
        Assert.NotEmpty(pair.ServerLog);
        Assert.DoesNotContain(clientLog.Concat(pair.ServerLog), l => l.Contains("s3cret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PasswordIsAskedAgainAfterARefusalAndGivenUpAfterTheLimit()
    {
        await using var pair = await AuthPair.StartAsync(PasswordIs("right"), NoDelay);
        var attempts = new List<int>();
        var options = new ClientAuthOptions
        {
            MaxPasswordAttempts = 3,
            PasswordCallback = (request, _) =>
            {
                attempts.Add(request.Attempt);
                return ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes("wrong"));
            },
        };

        var error = await Assert.ThrowsAsync<SshAuthenticationException>(() => pair.AuthenticateAsync("pat", options));

        Assert.Equal([1, 2, 3], attempts);
        Assert.Equal(["none", "password", "password", "password"], error.TriedMethods);
        Assert.StartsWith("Permission denied (password)", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, pair.Server.Failures);

        // The connection is still usable: a right password now succeeds.
        var raw = RawAuthClient.Request("pat", "password", w =>
        {
            w.WriteBoolean(false);
            w.WriteString("right");
        });
        await pair.Transports.Client.SendMessageAsync(raw);
        await pair.Server.Completion.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task PasswordChangeRequestFailsClearly()
    {
        await using var pair = await TransportPair.StartAsync();
        var serverRouter = new SshServiceRouter(pair.Server) { Authentication = new ChangeRequestingServer(pair.Server) };
        var clientRouter = new SshServiceRouter(pair.Client);
        var options = new ClientAuthOptions { PasswordCallback = (_, _) => ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes("old")) };

        var error = await Assert.ThrowsAsync<SshAuthenticationException>(() => SshClientAuthentication.AuthenticateAsync(clientRouter, "quinn", options));

        Assert.Contains("requires a new password", error.Message, StringComparison.Ordinal);
        Assert.Contains("Password expired\\x1B[2J", error.Message, StringComparison.Ordinal);
        Assert.Equal(["none", "password"], error.TriedMethods);
        Assert.False(serverRouter.IsAuthenticated);
    }

    [Fact]
    public async Task PasswordChangeRequestFromTheClientIsRefused()
    {
        await using var pair = await AuthPair.StartAsync(PasswordIs("old"), NoDelay);
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);

        var reply = await raw.RoundTripAsync(RawAuthClient.Request("ruth", "password", w =>
        {
            w.WriteBoolean(true);
            w.WriteString("old");
            w.WriteString("new");
        }));

        Assert.Equal(("password", false), RawAuthClient.Failure(reply));
        Assert.False(pair.Server.Completion.IsCompleted);
        Assert.Equal(1, pair.Server.Failures);
    }

    [Fact]
    public async Task KeyboardInteractiveRoundsWithEchoFlagsAndAnEmptyRound()
    {
        var conversation = new ScriptedConversation(AuthOutcome.Success,
            (KeyboardInteractiveStep.Ask("Verification", "Enter your code", [new("Code: ", true)]), ["1234"]),
            (KeyboardInteractiveStep.Ask(string.Empty, "Code accepted; one more.", []), []),
            (KeyboardInteractiveStep.Ask("OTP", string.Empty, [new("OTP: ", false)]), ["987654"]));
        var authenticator = new TestAuthenticator { Methods = _ => ["keyboard-interactive"], KeyboardInteractive = _ => conversation };
        await using var pair = await AuthPair.StartAsync(authenticator);
        var rounds = new List<KeyboardInteractiveRound>();
        var answers = new List<byte[]>();
        var clientLog = new ConcurrentQueue<string>();
        var options = new ClientAuthOptions
        {
            Log = (_, message) => clientLog.Enqueue(message),
            KeyboardInteractiveCallback = (round, _) =>
            {
                rounds.Add(round);
                IReadOnlyList<byte[]> reply = round.Prompts.Select(p => Encoding.UTF8.GetBytes(p.Text == "Code: " ? "1234" : "987654")).ToArray();
                answers.AddRange(reply);
                return ValueTask.FromResult<IReadOnlyList<byte[]>?>(reply);
            },
        };

        var result = await pair.AuthenticateAsync("sam", options);

        Assert.Equal(["keyboard-interactive"], result.Methods);
        Assert.Equal(3, rounds.Count);
        Assert.Equal(("Verification", "Enter your code", 1), (rounds[0].Name, rounds[0].Instruction, rounds[0].Round));
        Assert.Equal([new KeyboardInteractivePrompt("Code: ", true)], rounds[0].Prompts);
        Assert.Empty(rounds[1].Prompts);
        Assert.Equal("Code accepted; one more.", rounds[1].Instruction);
        Assert.Equal([new KeyboardInteractivePrompt("OTP: ", false)], rounds[2].Prompts);
        Assert.Equal(3, rounds[2].Round);
        Assert.Equal([["1234"], [], ["987654"]], conversation.Received);
        Assert.True(conversation.Disposed);
        Assert.All(answers, a => Assert.All(a, b => Assert.Equal(0, b)));
        Assert.DoesNotContain(clientLog.Concat(pair.ServerLog), l => l.Contains("987654", StringComparison.Ordinal) || l.Contains("1234", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeyboardInteractiveIsRetriedThenGivenUp()
    {
        var conversations = new ConcurrentQueue<ScriptedConversation>();
        var authenticator = new TestAuthenticator
        {
            Methods = _ => ["keyboard-interactive"],
            KeyboardInteractive = _ =>
            {
                var c = new ScriptedConversation(AuthOutcome.Success, (KeyboardInteractiveStep.Ask(string.Empty, string.Empty, [new("Code: ", true)]), ["right"]));
                conversations.Enqueue(c);
                return c;
            },
        };
        await using var pair = await AuthPair.StartAsync(authenticator, NoDelay);
        var options = new ClientAuthOptions
        {
            MaxKeyboardInteractiveAttempts = 2,
            KeyboardInteractiveCallback = (round, _) => ValueTask.FromResult<IReadOnlyList<byte[]>?>([Encoding.UTF8.GetBytes("wrong")]),
        };

        var error = await Assert.ThrowsAsync<SshAuthenticationException>(() => pair.AuthenticateAsync("tom", options));

        Assert.Equal(["none", "keyboard-interactive", "keyboard-interactive"], error.TriedMethods);
        Assert.Equal(2, conversations.Count);
        Assert.All(conversations, c => Assert.True(c.Disposed));
    }

    [Fact]
    public async Task AbandonedConversationIsEndedByTheNextRequest()
    {
        var conversation = new ScriptedConversation(AuthOutcome.Success, (KeyboardInteractiveStep.Ask(string.Empty, string.Empty, [new("Code: ", true)]), ["x"]));
        var authenticator = new TestAuthenticator
        {
            Methods = _ => ["keyboard-interactive", "password"],
            KeyboardInteractive = _ => conversation,
            Password = (_, p) => p == "pw" ? AuthOutcome.Success : AuthOutcome.Failure,
        };
        await using var pair = await AuthPair.StartAsync(authenticator);
        var options = new ClientAuthOptions
        {
            KeyboardInteractiveCallback = (_, _) => ValueTask.FromResult<IReadOnlyList<byte[]>?>(null),
            PasswordCallback = (_, _) => ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes("pw")),
        };

        var result = await pair.AuthenticateAsync("uma", options);

        Assert.Equal(["password"], result.Methods);
        Assert.True(conversation.Disposed);
        Assert.Equal(["none", "keyboard-interactive", "password"], pair.RequestMethods);
    }

    [Fact]
    public async Task ClientPreferenceOrdersTheMethodsTheServerAllows()
    {
        var authenticator = new TestAuthenticator
        {
            Methods = _ => ["keyboard-interactive", "password"],
            Password = (_, p) => p == "pw" ? AuthOutcome.Success : AuthOutcome.Failure,
            KeyboardInteractive = _ => new ScriptedConversation(AuthOutcome.Failure),
        };
        await using var pair = await AuthPair.StartAsync(authenticator);
        var options = new ClientAuthOptions
        {
            Methods = ["password", "keyboard-interactive"],
            KeyboardInteractiveCallback = (_, _) => throw new InvalidOperationException("not to be asked"),
            PasswordCallback = (_, _) => ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes("pw")),
        };

        await pair.AuthenticateAsync("vic", options);

        Assert.Equal(["none", "password"], pair.RequestMethods);
    }

    [Theory]
    [InlineData("keyboard-interactive")]
    [InlineData("password")]
    public async Task PublicKeyThenASecondMethodWithPartialSuccess(string second)
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        var authenticator = new TestAuthenticator
        {
            Methods = c => c.CompletedMethods.Count == 0 ? ["publickey"] : [second],
            PublicKey = TestAuthenticator.Keys(AuthOutcome.PartialSuccess, key.PublicKey),
            Password = (c, p) => c.CompletedMethods.SequenceEqual(["publickey"]) && p == "pw" ? AuthOutcome.Success : AuthOutcome.Failure,
            KeyboardInteractive = _ => new ScriptedConversation(AuthOutcome.Success, (KeyboardInteractiveStep.Ask(string.Empty, string.Empty, [new("OTP: ", false)]), ["42"])),
        };
        await using var pair = await AuthPair.StartAsync(authenticator);
        var options = new ClientAuthOptions
        {
            Identities = [new PrivateKeyIdentity(key)],
            PasswordCallback = (_, _) => ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes("pw")),
            KeyboardInteractiveCallback = (_, _) => ValueTask.FromResult<IReadOnlyList<byte[]>?>([Encoding.UTF8.GetBytes("42")]),
        };

        var result = await pair.AuthenticateAsync("wes", options);

        Assert.Equal(["publickey", second], result.Methods);
        Assert.Equal("ssh-ed25519", result.SignatureAlgorithm);
        var server = await pair.Server.Completion;
        Assert.Equal(["publickey", second], server.Methods);
        Assert.Equal(key.PublicKey, Assert.Single(server.PublicKeys));
    }

    [Fact]
    public async Task PartialSuccessThenNothingLeftNamesBothInTheError()
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        var authenticator = new TestAuthenticator
        {
            Methods = c => c.CompletedMethods.Count == 0 ? ["publickey"] : ["password"],
            PublicKey = TestAuthenticator.Keys(AuthOutcome.PartialSuccess, key.PublicKey),
        };
        await using var pair = await AuthPair.StartAsync(authenticator);

        var error = await Assert.ThrowsAsync<SshAuthenticationException>(() => pair.AuthenticateAsync("xia", new ClientAuthOptions { Identities = [new PrivateKeyIdentity(key)] }));

        Assert.StartsWith("Permission denied (password)", error.Message, StringComparison.Ordinal);
        Assert.Equal(["publickey"], error.SucceededMethods);
        Assert.Contains("Partial success with: publickey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongNumberOfResponsesIsAFailure()
    {
        var conversation = new ScriptedConversation(AuthOutcome.Success, (KeyboardInteractiveStep.Ask(string.Empty, string.Empty, [new("A: ", true), new("B: ", false)]), ["a", "b"]));
        var authenticator = new TestAuthenticator { Methods = _ => ["keyboard-interactive"], KeyboardInteractive = _ => conversation };
        await using var pair = await AuthPair.StartAsync(authenticator, NoDelay);
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);

        var request = await raw.RoundTripAsync(RawAuthClient.Request("yan", "keyboard-interactive", w =>
        {
            w.WriteString(string.Empty);
            w.WriteString(string.Empty);
        }));
        Assert.Equal(60, request[0]);
        using var response = new SshWriter();
        response.WriteByte(61);
        response.WriteUInt32(1);
        response.WriteString("a");

        Assert.Equal(("keyboard-interactive", false), RawAuthClient.Failure(await raw.RoundTripAsync(response.ToArray())));
        Assert.True(conversation.Disposed);
        Assert.Empty(conversation.Received);
    }

    [Fact]
    public async Task InfoResponseWithoutAConversationClosesTheConnection()
    {
        await using var pair = await AuthPair.StartAsync(new TestAuthenticator(), NoDelay);
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);

        await raw.SendAsync([61, 0, 0, 0, 0]);

        await pair.Transports.Client.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        var error = Assert.IsType<SshException>(pair.Transports.Client.CloseReason);
        Assert.Equal(DisconnectReason.ProtocolError, error.Reason);
        Assert.Contains("INFO_RESPONSE", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<SshException>(() => pair.Server.Completion);
    }

    /// <summary>Answers "none" with "password" and every password with SSH_MSG_USERAUTH_PASSWD_CHANGEREQ.</summary>
    private sealed class ChangeRequestingServer(SshTransport transport) : ISshService
    {
        public async ValueTask HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            var reader = new SshReader(payload.Span[1..]);
            reader.ReadBinary();
            reader.ReadBinary();
            var method = reader.ReadAsciiString();
            using var reply = new SshWriter();
            if (method == "none")
            {
                reply.WriteByte(51);
                reply.WriteString("password");
                reply.WriteBoolean(false);
            }
            else
            {
                reply.WriteByte(60);
                reply.WriteString("Password expired\u001b[2J");
                reply.WriteString(string.Empty);
            }

            await transport.SendMessageAsync(reply.ToArray(), cancellationToken);
        }
    }
}
