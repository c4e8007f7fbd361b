using System.Text;
using SshMux.Interop.Tests.Harness;
using SshMux.Prompts;

namespace SshMux.Tests.Prompts;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AskpassFrontEndTests : IDisposable
{
    private readonly TempDirectory _directory = new("sshmux-askpass-");

    public void Dispose() => _directory.Dispose();

    /// <summary>An askpass program: records each argv[1] (NUL-separated), then answers by what the prompt asks.</summary>
    private string Script()
    {
        var log = Path.Combine(_directory.Path, "prompts.log");
        var script = Path.Combine(_directory.Path, "askpass.sh");
        File.WriteAllText(script, $$"""
            #!/bin/sh
            printf '%s\0' "$1" >> '{{log}}'
            case "$1" in
              *Code*) echo 424242 ;;
              *Password*) printf 'pa ss\r\n' ;;
              *Refuse*) exit 1 ;;
              *Hang*) sleep 30 ;;
              *) echo unexpected ;;
            esac
            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    private string[] Prompts() =>
        File.ReadAllText(Path.Combine(_directory.Path, "prompts.log")).Split('\0', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task Runs_the_program_once_per_field_with_the_sanitised_prompt_and_reads_one_line()
    {
        var askpass = new AskpassFrontEnd(Script());
        var request = new PromptRequest(PromptKind.KeyboardInteractive, "web", "deploy@10.0.0.10:22", "\u001b]0;evil\u0007Two factor", "Type \u001b[1mboth\u001b[0m",
            [new PromptField("Password: ", false), new PromptField("Code\u202e: ", true)]);
        var answers = await askpass.AskAsync(request, CancellationToken.None);
        Assert.NotNull(answers);
        Assert.Equal(["pa ss", "424242"], answers.Select(a => Encoding.UTF8.GetString(a)));
        var prompts = Prompts();
        Assert.Equal(2, prompts.Length);
        Assert.Equal("ssh-mux: web (deploy@10.0.0.10:22)\nTwo factor\nType both\nPassword: ", prompts[0]);
        Assert.EndsWith("\nCode: ", prompts[1], StringComparison.Ordinal);
        Assert.DoesNotContain(prompts, p => p.Contains('\u001b', StringComparison.Ordinal) || p.Contains('\u202e', StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_non_zero_exit_cancels_and_stops_asking_the_remaining_fields()
    {
        var askpass = new AskpassFrontEnd(Script());
        var request = new PromptRequest(PromptKind.KeyboardInteractive, "web", "h", string.Empty, string.Empty,
            [new PromptField("Refuse: ", false), new PromptField("Code: ", true)]);
        Assert.Null(await askpass.AskAsync(request, CancellationToken.None));
        Assert.Single(Prompts());
    }

    [Fact]
    public async Task The_broker_timeout_ends_a_hanging_askpass_program()
    {
        var broker = new PromptBroker(new PromptBrokerOptions { Timeout = TimeSpan.FromMilliseconds(500) });
        using var registration = broker.Register(new AskpassFrontEnd(Script()));
        var started = DateTime.UtcNow;
        Assert.Null(await broker.AskAsync(new PromptRequest(PromptKind.Passphrase, "web", "h", string.Empty, string.Empty, [new PromptField("Hang: ", false)]), CancellationToken.None));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(null, null, false, false)]
    [InlineData(null, ":0", true, false)]
    [InlineData("prefer", null, false, false)]
    [InlineData("prefer", ":0", true, true)]
    [InlineData("force", null, true, true)]
    [InlineData("FORCE", ":0", true, true)]
    [InlineData("never", ":0", false, false)]
    public void SSH_ASKPASS_REQUIRE_follows_OpenSSH(string? require, string? display, bool enabled, bool beforeTerminal)
    {
        var environment = new Dictionary<string, string?> { ["SSH_ASKPASS"] = "/usr/bin/ssh-askpass", ["SSH_ASKPASS_REQUIRE"] = require, ["DISPLAY"] = display };
        var settings = AskpassSettings.FromEnvironment(n => environment.GetValueOrDefault(n));
        Assert.Equal(enabled, settings.Enabled);
        Assert.Equal(beforeTerminal, settings.BeforeTerminal);
        Assert.Equal(beforeTerminal ? PromptFrontEndKind.Askpass : PromptFrontEndKind.Terminal, settings.Order[1]);
    }

    [Fact]
    public void Without_SSH_ASKPASS_nothing_is_enabled() =>
        Assert.False(AskpassSettings.FromEnvironment(n => n == "SSH_ASKPASS_REQUIRE" ? "force" : null).Enabled);
}
