using System.Diagnostics;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Tests.Gateway;

/// <summary>
/// The point of the product: an upstream that wants a one-time password on every login is
/// asked once, and later sessions ride the pooled connection with no prompt. The OTP comes
/// from `ssh-mux prompt`, or, with relay_keyboard_interactive, from the connecting OpenSSH
/// client itself through SSH_ASKPASS.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DaemonOtpTests(ITestOutputHelper output)
{
    private async Task WithOtpRouteAsync(string extraRouteLine, Func<GatewayHome, OtpUpstream, DaemonInstance, Task> body)
    {
        var run = new InteropRun(output);
        await run.RunAsync(async _ =>
        {
            using var home = await GatewayHome.CreateAsync();
            await using var upstream = run.Track(await OtpUpstream.StartAsync(home.Key));
            await home.TrustAsync(upstream.Port, upstream.HostKey.PublicBlob);
            await home.WriteRoutesAsync($"[routes.otp]\nhost = \"127.0.0.1\"\nport = {GatewayHome.Port(upstream.Port)}\nuser = \"{OtpUpstream.User}\"\n{extraRouteLine}\n");
            await using var daemon = run.Track(await DaemonInstance.StartAsync(home));
            await body(home, upstream, daemon);
        });
    }

    [PeerFact(Peers.Ssh, Peers.SshKeygen)]
    public Task TheOtpIsAskedThroughSshMuxPromptOnceAndTheSecondSessionReusesTheConnection() => WithOtpRouteAsync(string.Empty, async (home, upstream, daemon) =>
    {
        await using var prompt = await daemon.AttachPromptAsync();
        var first = home.SshAsync(daemon.Port, "otp", "echo first");
        await prompt.WaitForAsync("login prompt for route otp");
        await prompt.WaitForAsync(OtpUpstream.PromptText.TrimEnd());
        await prompt.AnswerAsync(OtpUpstream.Code);

        var result = await first;
        Assert.True(result.ExitCode == 0, $"{result}\n{prompt.Output}\n{daemon.Process.Tail()}\n{upstream.Process.Tail()}");
        Assert.Equal("first\n", result.StdoutText);
        Assert.Equal(1, upstream.OtpPrompts);
        var shown = prompt.Output;

        var second = await home.SshAsync(daemon.Port, "otp", "echo second");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal("second\n", second.StdoutText);
        Assert.Equal(1, upstream.OtpPrompts);
        Assert.Equal(shown, prompt.Output);
        Assert.Single(await daemon.EntriesAsync("otp"));
    });

    /// <summary>As sshd does after a wrong password, the upstream asks again within the same login.</summary>
    [PeerFact(Peers.Ssh, Peers.SshKeygen)]
    public Task AWrongOtpIsAskedAgainAndTheRightOneGetsIn() => WithOtpRouteAsync(string.Empty, async (home, upstream, daemon) =>
    {
        await using var prompt = await daemon.AttachPromptAsync();
        var session = home.SshAsync(daemon.Port, "otp", "echo second-try");
        await prompt.WaitForAsync(OtpUpstream.PromptText.TrimEnd());
        await prompt.AnswerAsync("000000");
        await prompt.WaitUntilCountAsync(OtpUpstream.PromptText.TrimEnd(), 2);
        await prompt.AnswerAsync(OtpUpstream.Code);

        var result = await session;
        Assert.True(result.ExitCode == 0, $"{result}\n{prompt.Output}\n{daemon.Process.Tail()}");
        Assert.Equal("second-try\n", result.StdoutText);
        Assert.Equal(1, upstream.Process.Count(l => l == "otp-refused"));
        Assert.Equal(1, upstream.Process.Count(l => l == "otp-accepted"));
    });

    /// <summary>A prompt terminal that goes away mid-prompt cancels it: the client is refused at once, not after the prompt timeout.</summary>
    [PeerFact(Peers.Ssh, Peers.SshKeygen)]
    public Task ClosingThePromptTerminalRefusesTheSessionAtOnce() => WithOtpRouteAsync(string.Empty, async (home, upstream, daemon) =>
    {
        var prompt = await daemon.AttachPromptAsync();
        var session = home.SshAsync(daemon.Port, "otp", "echo never");
        await prompt.WaitForAsync(OtpUpstream.PromptText.TrimEnd());
        var clock = Stopwatch.StartNew();
        await prompt.DisposeAsync();

        var refused = await session;
        output.WriteLine("client stderr: " + refused.StderrText);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"refused only after {clock.Elapsed.TotalSeconds:0.0} s (the default prompt timeout is 120 s)");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Empty(refused.StdoutText);
        Assert.Contains("ssh-mux could not reach otp", refused.StderrText, StringComparison.Ordinal);
        Assert.Equal(0, upstream.Process.Count(l => l == "otp-accepted"));
    });

    [PeerFact(Peers.Ssh, Peers.SshKeygen)]
    public Task WithRelayTheConnectingClientAnswersTheOtpThroughAskpass() => WithOtpRouteAsync("relay_keyboard_interactive = true", async (home, upstream, daemon) =>
    {
        // ssh runs this for each keyboard-interactive field: it records the prompt it was shown.
        var asked = home.File("askpass.log");
        var askpass = home.File("askpass.sh");
        await File.WriteAllTextAsync(askpass, $"#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{asked}'\necho {OtpUpstream.Code}\n");
        File.SetUnixFileMode(askpass, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string[] interactive = ["-o", "BatchMode=no", "-o", "KbdInteractiveAuthentication=yes", "-o", "PreferredAuthentications=publickey,keyboard-interactive", "-o", "NumberOfPasswordPrompts=1"];
        var environment = new Dictionary<string, string?> { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force", ["DISPLAY"] = ":0" };

        var first = await home.SshAsync(daemon.Port, "otp", "echo relayed", interactive, environment);
        Assert.True(first.ExitCode == 0, $"{first}\n{daemon.Process.Tail()}\n{upstream.Process.Tail()}");
        Assert.Equal("relayed\n", first.StdoutText);
        Assert.Equal(1, upstream.OtpPrompts);
        Assert.Contains(OtpUpstream.PromptText.TrimEnd(), await File.ReadAllTextAsync(asked), StringComparison.Ordinal);

        // The pooled connection is signed in: the next session is not asked again.
        var asks = File.ReadAllLines(asked).Length;
        var second = await home.SshAsync(daemon.Port, "otp", "echo again", interactive, environment);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal("again\n", second.StdoutText);
        Assert.Equal(1, upstream.OtpPrompts);
        Assert.Equal(asks, File.ReadAllLines(asked).Length);
    });
}
