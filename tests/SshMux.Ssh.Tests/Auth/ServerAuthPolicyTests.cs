using System.Collections.Concurrent;
using System.Diagnostics;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Tests.Auth;

public class ServerAuthPolicyTests
{
    private static readonly byte[] None = RawAuthClient.Request("user", "none");

    [Fact]
    public async Task SixthFailureDisconnectsWithNoMoreAuthMethodsAvailable()
    {
        var keys = Enumerable.Range(0, 7).Select(_ => SshPrivateKey.Generate("ssh-ed25519")).ToArray();
        try
        {
            await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator(), new ServerAuthOptions { FailureDelay = TimeSpan.Zero });
            var options = new ClientAuthOptions { Identities = [.. keys.Select(k => new PrivateKeyIdentity(k))] };

            var error = await Assert.ThrowsAsync<SshException>(() => pair.AuthenticateAsync("amy", options));

            Assert.IsNotType<SshAuthenticationException>(error);
            Assert.Equal(DisconnectReason.NoMoreAuthMethodsAvailable, error.Reason);
            Assert.True(error.FromPeer);
            Assert.Contains("Too many authentication failures for user \"amy\"", error.Message, StringComparison.Ordinal);
            Assert.Equal(7, pair.RequestMethods.Count); // none (free) and six refused keys
            var serverError = await Assert.ThrowsAsync<SshException>(() => pair.Server.Completion);
            Assert.Equal(DisconnectReason.NoMoreAuthMethodsAvailable, serverError.Reason);
            Assert.Contains(pair.ServerLog, l => l.StartsWith("Warning: Too many authentication failures", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var key in keys)
            {
                key.Dispose();
            }
        }
    }

    [Fact]
    public async Task OnlyTheFirstNoneIsFree()
    {
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator(), new ServerAuthOptions { MaxAttempts = 3 });
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(("publickey", false), RawAuthClient.Failure(await raw.RoundTripAsync(None)));
        }

        await raw.SendAsync(None);
        await raw.Transport.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(DisconnectReason.NoMoreAuthMethodsAvailable, Assert.IsType<SshException>(raw.Transport.CloseReason).Reason);
        Assert.Equal(3, pair.Server.Failures);
    }

    [Fact]
    public async Task GracePeriodClosesAnIdleUnauthenticatedConnection()
    {
        var clock = Stopwatch.StartNew();
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator(), new ServerAuthOptions { GracePeriod = TimeSpan.FromMilliseconds(300) });
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);
        Assert.Equal(("publickey", false), RawAuthClient.Failure(await raw.RoundTripAsync(None)));

        await raw.Transport.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(300));
        var error = Assert.IsType<SshException>(raw.Transport.CloseReason);
        Assert.Equal(DisconnectReason.ByApplication, error.Reason);
        Assert.Contains("Authentication timed out after 0.3 s for user \"user\"", error.Message, StringComparison.Ordinal);
        var serverError = await Assert.ThrowsAsync<SshException>(() => pair.Server.Completion);
        Assert.Contains("timed out", serverError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GracePeriodDoesNotTouchAnAuthenticatedConnection()
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([key.PublicKey]), new ServerAuthOptions { GracePeriod = TimeSpan.FromMilliseconds(300) });
        await pair.AuthenticateAsync("bea", new ClientAuthOptions { Identities = [new PrivateKeyIdentity(key)] });

        await Task.Delay(700);

        Assert.False(pair.Transports.Client.IsClosed);
        Assert.False(pair.Transports.Server.IsClosed);
    }

    [Fact]
    public async Task UnknownUserGetsTheSameAnswersInTheSameTimeAsAKnownUser()
    {
        var authenticator = new PublicKeyListAuthenticator();
        var known = TestKeys.ForKeyType("ssh-ed25519").PublicKey;
        var other = TestKeys.ForKeyType("ecdsa-sha2-nistp256").PublicKey;
        authenticator.Add("cat", known);
        await using var pair = await AuthPair.StartAsync(authenticator, new ServerAuthOptions { FailureDelay = TimeSpan.FromMilliseconds(20), MaxAttempts = 1000 });
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);
        var query = RawAuthClient.PublicKeyQuery("dan", "ecdsa-sha2-nistp256", other.Blob.Span);

        // "dan" does not exist: a query with any key is refused.
        var unknownReply = await raw.RoundTripAsync(query);
        var unknownTimes = await TimeAsync(raw, query);

        // Now "dan" exists with a key, but not the one queried: the answer and its timing must not change.
        authenticator.Add("dan", known);
        var knownReply = await raw.RoundTripAsync(query);
        var knownTimes = await TimeAsync(raw, query);

        Assert.Equal(unknownReply, knownReply);
        Assert.Equal(("publickey", false), RawAuthClient.Failure(knownReply));
        var minimum = FailureTiming.MinimumFor(TimeSpan.FromMilliseconds(20), "dan");
        Assert.True(Median(unknownTimes) >= minimum.TotalMilliseconds - 1, $"unknown user answered in {Median(unknownTimes):0.0} ms, minimum {minimum.TotalMilliseconds:0.0}");
        Assert.True(Median(knownTimes) >= minimum.TotalMilliseconds - 1, $"known user answered in {Median(knownTimes):0.0} ms, minimum {minimum.TotalMilliseconds:0.0}");
        Assert.True(Math.Abs(Median(unknownTimes) - Median(knownTimes)) < 10, $"medians differ: unknown {Median(unknownTimes):0.0} ms, known {Median(knownTimes):0.0} ms");

        // And dan's key is accepted.
        Assert.Equal(60, (await raw.RoundTripAsync(RawAuthClient.PublicKeyQuery("dan", "ssh-ed25519", known.Blob.Span)))[0]);
    }

    private static async Task<double[]> TimeAsync(RawAuthClient raw, byte[] query)
    {
        var times = new double[15];
        for (var i = 0; i < times.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await raw.RoundTripAsync(query);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return times;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    [Fact]
    public void FailureTimeDependsOnTheUserNameOnly()
    {
        var delay = TimeSpan.FromMilliseconds(5);
        var names = Enumerable.Range(0, 50).Select(i => "user" + i).ToArray();
        var minimums = names.Select(n => FailureTiming.MinimumFor(delay, n)).ToArray();

        Assert.All(minimums, m => Assert.InRange(m, delay, delay * 2));
        Assert.Equal(minimums, names.Select(n => FailureTiming.MinimumFor(delay, n)));
        Assert.True(minimums.Distinct().Count() > 40, "the per-user part should differ between names");
        Assert.Equal(TimeSpan.Zero, FailureTiming.MinimumFor(TimeSpan.Zero, "x"));
    }

    [Fact]
    public async Task UserNameChangeIsRefusedAsOpenSshDoes()
    {
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator());
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);
        await raw.RoundTripAsync(RawAuthClient.Request("eve", "none"));

        await raw.SendAsync(RawAuthClient.Request("root", "none"));

        await raw.Transport.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        var error = Assert.IsType<SshException>(raw.Transport.CloseReason);
        Assert.Equal(DisconnectReason.ProtocolError, error.Reason);
        Assert.Contains("Change of user name not allowed: \"eve\" -> \"root\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserNameChangeCanResetTheState()
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        var contexts = new ConcurrentQueue<string>();
        var authenticator = new TestAuthenticator
        {
            Methods = c => c.CompletedMethods.Count == 0 ? ["publickey"] : ["password"],
            PublicKey = (c, _) =>
            {
                contexts.Enqueue($"{c.User}:{string.Join('+', c.CompletedMethods)}");
                return new PublicKeyDecision(AuthOutcome.PartialSuccess);
            },
        };
        await using var pair = await AuthPair.StartAsync(authenticator, new ServerAuthOptions { UserChange = UserChangePolicy.Reset, FailureDelay = TimeSpan.Zero });
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);

        Assert.Equal(("password", true), RawAuthClient.Failure(await raw.RoundTripAsync(raw.SignedPublicKey("fay", key, "ssh-ed25519"))));

        // The new user starts from nothing: publickey is allowed again and the key is not "already used".
        Assert.Equal(("password", true), RawAuthClient.Failure(await raw.RoundTripAsync(raw.SignedPublicKey("gus", key, "ssh-ed25519"))));
        Assert.Equal(["fay:", "gus:"], contexts);
        Assert.Equal("gus", pair.Server.User);
    }

    [Fact]
    public async Task OtherServicesThanSshConnectionAreRefused()
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([key.PublicKey]), new ServerAuthOptions { FailureDelay = TimeSpan.Zero });
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);

        var reply = await raw.RoundTripAsync(RawAuthClient.Request("hal", "none", service: "ssh-userauth"));

        Assert.Equal(("", false), RawAuthClient.Failure(reply));
        Assert.Equal(1, pair.Server.Failures);
    }

    [Fact]
    public async Task UnknownMethodIsAFailure()
    {
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator(), new ServerAuthOptions { FailureDelay = TimeSpan.Zero });
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);

        Assert.Equal(("publickey", false), RawAuthClient.Failure(await raw.RoundTripAsync(RawAuthClient.Request("ian", "hostbased", w => w.WriteString("junk")))));
        Assert.Equal(("publickey", false), RawAuthClient.Failure(await raw.RoundTripAsync(RawAuthClient.Request("ian", "password", w =>
        {
            w.WriteBoolean(false);
            w.WriteString("pw");
        }))));
        Assert.Equal(2, pair.Server.Failures);
    }

    [Fact]
    public async Task BannerIsSentOnceAndSanitised()
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        using var refused = SshPrivateKey.Generate("ssh-ed25519");
        var banner = "Welcome\r\n\u001b[31mred\u001b[0m \u202egnp.exe\tok\n";
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([key.PublicKey]), new ServerAuthOptions { Banner = banner });
        var seen = new List<string>();

        await pair.AuthenticateAsync("jan", new ClientAuthOptions { Identities = [new PrivateKeyIdentity(refused), new PrivateKeyIdentity(key)], BannerCallback = seen.Add });

        Assert.Equal(["Welcome\n\\x1B[31mred\\x1B[0m \\u202Egnp.exe\tok\n"], seen);
    }

    [Fact]
    public async Task ConnectionMessagesRightBehindSuccessAreRouted()
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator([key.PublicKey]));
        var atClient = new ConcurrentQueue<byte>();
        var atServer = new ConcurrentQueue<byte>();
        pair.ClientRouter.Connection = new Recorder(atClient);
        pair.ServerRouter.Connection = new Recorder(atServer);

        // The server sends a connection message as soon as it has said success.
        _ = pair.Server.Completion.ContinueWith(_ => pair.Transports.Server.SendMessageAsync(new byte[] { 80, 1 }).AsTask(), TaskScheduler.Default);
        await pair.AuthenticateAsync("kai", new ClientAuthOptions { Identities = [new PrivateKeyIdentity(key)] });
        await pair.Transports.Client.SendMessageAsync(new byte[] { 80, 2 });

        await Wait.UntilAsync(() => atClient.Count == 1 && atServer.Count == 1);
        Assert.False(pair.Transports.Client.IsClosed);
        Assert.False(pair.Transports.Server.IsClosed);
    }

    [Fact]
    public async Task ServerOnlyMessagesFromTheClientCloseTheConnection()
    {
        await using var pair = await AuthPair.StartAsync(new PublicKeyListAuthenticator());
        var raw = await RawAuthClient.StartAsync(pair.ClientRouter);

        await raw.SendAsync([52]);

        await raw.Transport.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(DisconnectReason.ProtocolError, Assert.IsType<SshException>(raw.Transport.CloseReason).Reason);
    }

    [Fact]
    public async Task ClientSeesTheConnectionCloseInsteadOfWaitingForever()
    {
        var authenticator = new TestAuthenticator { Methods = _ => ["password"], Password = (_, _) => AuthOutcome.Failure };
        await using var pair = await AuthPair.StartAsync(authenticator);
        var options = new ClientAuthOptions
        {
            PasswordCallback = async (_, _) =>
            {
                await pair.Transports.Server.DisposeAsync();
                return System.Text.Encoding.UTF8.GetBytes("pw");
            },
        };

        var error = await Assert.ThrowsAnyAsync<SshException>(() => pair.AuthenticateAsync("lou", options)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.IsNotType<SshAuthenticationException>(error);
    }

    private sealed class Recorder(ConcurrentQueue<byte> received) : ISshService
    {
        public ValueTask HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            received.Enqueue(payload.Span[1]);
            return ValueTask.CompletedTask;
        }
    }
}
