using System.Text;
using SshMux.Prompts;
using SshMux.Routing;

namespace SshMux.Tests.Prompts;

public class PromptBrokerTests
{
    private static readonly PromptRequest Otp = new(PromptKind.KeyboardInteractive, "web", "deploy@10.0.0.10:22", "OTP", "Enter the code", [new PromptField("Code: ", false)]);

    [Fact]
    public async Task No_front_end_refuses_at_once()
    {
        var broker = new PromptBroker();
        var started = DateTime.UtcNow;
        Assert.Null(await broker.AskAsync(Otp, CancellationToken.None));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task The_configured_order_decides_and_the_latest_of_a_kind_wins()
    {
        var broker = new PromptBroker(new PromptBrokerOptions { Order = [PromptFrontEndKind.Askpass, PromptFrontEndKind.Terminal] });
        var first = new FakeFrontEnd(PromptFrontEndKind.Terminal, "first");
        var second = new FakeFrontEnd(PromptFrontEndKind.Terminal, "second");
        var askpass = new FakeFrontEnd(PromptFrontEndKind.Askpass, "askpass");
        using (broker.Register(first))
        using (broker.Register(second))
        {
            Assert.Equal("second", Text(await broker.AskAsync(Otp, CancellationToken.None)));
            using (broker.Register(askpass))
            {
                Assert.Equal("askpass", Text(await broker.AskAsync(Otp, CancellationToken.None)));
            }

            second.Available = false;
            Assert.Equal("first", Text(await broker.AskAsync(Otp, CancellationToken.None)));
        }

        Assert.Null(await broker.AskAsync(Otp, CancellationToken.None));
    }

    [Fact]
    public async Task A_kind_missing_from_the_order_is_never_asked()
    {
        var broker = new PromptBroker(new PromptBrokerOptions { Order = [PromptFrontEndKind.Terminal] });
        using var registration = broker.Register(new FakeFrontEnd(PromptFrontEndKind.Askpass, "askpass"));
        Assert.Null(await broker.AskAsync(Otp, CancellationToken.None));
    }

    [Fact]
    public async Task A_route_scoped_front_end_answers_only_its_route()
    {
        var broker = new PromptBroker();
        var relay = new FakeFrontEnd(PromptFrontEndKind.KeyboardInteractiveRelay, "relay") { ScopedRoute = "db" };
        var terminal = new FakeFrontEnd(PromptFrontEndKind.Terminal, "terminal");
        using var a = broker.Register(relay);
        using var b = broker.Register(terminal);
        Assert.Equal("terminal", Text(await broker.AskAsync(Otp, CancellationToken.None)));
        Assert.Equal("relay", Text(await broker.AskAsync(Otp with { Route = "db" }, CancellationToken.None)));
    }

    [Fact]
    public async Task A_front_end_that_never_answers_times_out_even_if_it_ignores_cancellation()
    {
        var broker = new PromptBroker(new PromptBrokerOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        var stuck = new FakeFrontEnd(PromptFrontEndKind.Terminal, "never") { Never = true };
        using var registration = broker.Register(stuck);
        var started = DateTime.UtcNow;
        Assert.Null(await broker.AskAsync(Otp, CancellationToken.None));
        var took = DateTime.UtcNow - started;
        Assert.InRange(took, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(5));

        // An answer that comes after the broker gave up is zeroed, not left in memory.
        var late = Encoding.UTF8.GetBytes("123456");
        stuck.Late.SetResult([late]);
        Assert.All(late, b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task A_cancelling_front_end_gives_null_and_the_callers_cancellation_propagates()
    {
        var broker = new PromptBroker();
        using var registration = broker.Register(new FakeFrontEnd(PromptFrontEndKind.Terminal, "cancel") { Cancel = true });
        Assert.Null(await broker.AskAsync(Otp, CancellationToken.None));
        using var broker2Registration = broker.Register(new FakeFrontEnd(PromptFrontEndKind.Terminal, "never") { Never = true });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => broker.AskAsync(Otp, cts.Token));
    }

    [Fact]
    public async Task A_wrong_number_of_answers_is_refused_and_zeroed()
    {
        var broker = new PromptBroker();
        var extra = Encoding.UTF8.GetBytes("second");
        using var registration = broker.Register(new FakeFrontEnd(PromptFrontEndKind.Terminal, "first") { Extra = extra });
        Assert.Null(await broker.AskAsync(Otp, CancellationToken.None));
        Assert.All(extra, b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task A_front_end_that_throws_fails_closed()
    {
        var broker = new PromptBroker();
        using var registration = broker.Register(new FakeFrontEnd(PromptFrontEndKind.Terminal, "broken") { Throw = true });
        Assert.Null(await broker.AskAsync(Otp, CancellationToken.None));
    }

    [Fact]
    public async Task Secret_answers_never_reach_the_log()
    {
        var lines = new List<string>();
        var broker = new PromptBroker(new PromptBrokerOptions { Log = (_, m) => lines.Add(m) });
        using var registration = broker.Register(new FakeFrontEnd(PromptFrontEndKind.Terminal, "terminal", "s3cr3t-answer"));
        Assert.Equal("s3cr3t-answer", Text(await broker.AskAsync(Otp, CancellationToken.None)));
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, l => l.Contains("s3cr3t", StringComparison.Ordinal));
    }

    private static string? Text(IReadOnlyList<byte[]>? answers) => answers is null ? null : Encoding.UTF8.GetString(answers[0]);

    [Theory]
    [InlineData(nameof(PromptKind.HostKey))]
    [InlineData(nameof(PromptKind.Passphrase))]
    [InlineData(nameof(PromptKind.Approval))]
    public async Task The_relay_front_end_answers_only_keyboard_interactive(string kindName)
    {
        var kind = Enum.Parse<PromptKind>(kindName);
        var broker = new PromptBroker();
        var relay = new FakeFrontEnd(PromptFrontEndKind.KeyboardInteractiveRelay, "relay") { ScopedRoute = "web" };
        using var a = broker.Register(relay);
        var request = Otp with { Kind = kind };

        Assert.Null(broker.Choose(request));
        Assert.Null(await broker.AskAsync(request, CancellationToken.None));
        Assert.Same(relay, broker.Choose(Otp));

        var terminal = new FakeFrontEnd(PromptFrontEndKind.Terminal, "terminal");
        using var b = broker.Register(terminal);
        Assert.Equal("terminal", Text(await broker.AskAsync(request, CancellationToken.None)));
        Assert.Equal("relay", Text(await broker.AskAsync(Otp, CancellationToken.None)));

        // Asked directly, the relay conversation declines at once instead of showing it to the client.
        var route = new Route("web", new RouteHop("10.0.0.10", 22, "deploy", []), [], false, RelayKeyboardInteractive: true, Source: "test");
        using var conversation = new RelayConversation(route, broker, (_, ct) => Task.Delay(Timeout.Infinite, ct), null);
        Assert.Null(await conversation.AskAsync(request, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    /// <summary>Answers every field with its answer (its name unless given), or misbehaves as told.</summary>
    private sealed class FakeFrontEnd(PromptFrontEndKind kind, string name, string? answer = null) : IPromptFrontEnd
    {
        public bool Available { get; set; } = true;

        public string? ScopedRoute { get; init; }

        public bool Never { get; init; }

        public bool Cancel { get; init; }

        public bool Throw { get; init; }

        public byte[]? Extra { get; init; }

        public TaskCompletionSource<IReadOnlyList<byte[]>?> Late { get; } = new();

        public PromptFrontEndKind Kind => kind;

        public string Description => "fake " + name;

        public string? Route => ScopedRoute;

        public bool IsAvailable => Available;

        public Task<IReadOnlyList<byte[]>?> AskAsync(PromptRequest request, CancellationToken cancellationToken)
        {
            if (Never)
            {
                return Late.Task;
            }

            if (Throw)
            {
                throw new IOException("front end broke");
            }

            if (Cancel)
            {
                return Task.FromResult<IReadOnlyList<byte[]>?>(null);
            }

            List<byte[]> answers = [.. request.Fields.Select(_ => Encoding.UTF8.GetBytes(answer ?? name))];
            if (Extra is not null)
            {
                answers.Add(Extra);
            }

            return Task.FromResult<IReadOnlyList<byte[]>?>(answers);
        }
    }
}
