using System.Diagnostics;
using System.Text;
using System.Text.Json;
using SshMux.Control;
using SshMux.Interop.Tests.Harness;
using SshMux.Prompts;

namespace SshMux.Tests.Control;

/// <summary>prompt-attach on the wire, and the real `ssh-mux prompt` program answering from its standard input.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PromptAttachTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly PromptRequest Login = new(
        PromptKind.KeyboardInteractive, "web", "deploy@10.0.0.10:22",
        "\u001b]0;owned\u0007Duo two-factor", "Line one\n\u001b[31mLine two\u001b[0m",
        [new PromptField("Password: ", false), new PromptField("Passcode\u009b2J: ", true)]);

    [Fact]
    public async Task A_raw_client_receives_the_prompt_as_json_and_answers_in_base64()
    {
        await using var rig = new ControlRig();
        await using var client = await ControlClient.ConnectAsync(rig.Endpoint, CancellationToken.None);
        Assert.Equal("attached", await client.RequestAsync("prompt-attach", TimeSpan.FromSeconds(10), CancellationToken.None));
        var asking = rig.Broker.AskAsync(Login, CancellationToken.None);
        var line = await client.Connection.ReadLineAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        using var message = JsonDocument.Parse(line!.Value);
        var root = message.RootElement;
        Assert.Equal("prompt", root.GetProperty("type").GetString());
        Assert.Equal("keyboard-interactive", root.GetProperty("kind").GetString());
        Assert.Equal("web", root.GetProperty("route").GetString());
        Assert.Equal("deploy@10.0.0.10:22", root.GetProperty("host").GetString());
        Assert.Equal("Duo two-factor", root.GetProperty("title").GetString());
        Assert.Equal("Line one\nLine two", root.GetProperty("instruction").GetString());
        Assert.Equal("Passcode: ", root.GetProperty("fields")[1].GetProperty("text").GetString());
        Assert.False(root.GetProperty("fields")[0].GetProperty("echo").GetBoolean());
        var id = root.GetProperty("id").GetInt64();
        await client.Connection.WriteLineAsync($"answer {id} {Convert.ToBase64String("hunter2"u8)} {Convert.ToBase64String("424242"u8)}", CancellationToken.None);
        var answers = await asking.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["hunter2", "424242"], answers!.Select(a => Encoding.UTF8.GetString(a)));
    }

    [Fact]
    public async Task Prompts_go_round_the_control_socket_quickly()
    {
        await using var rig = new ControlRig();
        await using var client = await ControlClient.ConnectAsync(rig.Endpoint, CancellationToken.None);
        await client.RequestAsync("prompt-attach", TimeSpan.FromSeconds(10), CancellationToken.None);
        const int Rounds = 500;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Rounds; i++)
        {
            var asking = rig.Broker.AskAsync(Login, CancellationToken.None);
            var line = await client.Connection.ReadLineAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            var id = JsonDocument.Parse(line!.Value).RootElement.GetProperty("id").GetInt64();
            await client.Connection.WriteLineAsync($"answer {id} eA== eQ==", CancellationToken.None);
            Assert.Equal(2, (await asking.WaitAsync(TimeSpan.FromSeconds(10)))!.Count);
        }

        var each = watch.Elapsed / Rounds;
        output.WriteLine($"{Rounds} prompts answered over the control socket: {each.TotalMicroseconds:0} us each");
        Assert.True(each < TimeSpan.FromMilliseconds(20), $"a prompt round trip took {each.TotalMilliseconds:0.0} ms");
    }

    [Fact]
    public async Task Cancel_and_bad_base64_cancel_the_prompt()
    {
        await using var rig = new ControlRig();
        await using var client = await ControlClient.ConnectAsync(rig.Endpoint, CancellationToken.None);
        await client.RequestAsync("prompt-attach", TimeSpan.FromSeconds(10), CancellationToken.None);
        foreach (var reply in new[] { "cancel {0}", "answer {0} !!notbase64 eA==" })
        {
            var asking = rig.Broker.AskAsync(Login, CancellationToken.None);
            var line = await client.Connection.ReadLineAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            var id = JsonDocument.Parse(line!.Value).RootElement.GetProperty("id").GetInt64();
            await client.Connection.WriteLineAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, reply, id), CancellationToken.None);
            Assert.Null(await asking.WaitAsync(TimeSpan.FromSeconds(10)));
        }
    }

    [Fact]
    public async Task Closing_the_connection_cancels_outstanding_prompts_at_once()
    {
        await using var rig = new ControlRig();
        var client = await ControlClient.ConnectAsync(rig.Endpoint, CancellationToken.None);
        await client.RequestAsync("prompt-attach", TimeSpan.FromSeconds(10), CancellationToken.None);
        var first = rig.Broker.AskAsync(Login, CancellationToken.None);
        var second = rig.Broker.AskAsync(Login with { Route = "db" }, CancellationToken.None);
        await client.Connection.ReadLineAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        var watch = Stopwatch.StartNew();
        await client.DisposeAsync();
        Assert.Null(await first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Null(await second.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));

        // With the only front end gone, the next prompt is refused at once.
        Assert.Null(await rig.Broker.AskAsync(Login, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_timed_out_prompt_is_withdrawn_from_the_terminal()
    {
        await using var rig = new ControlRig(brokerOptions: new PromptBrokerOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        await using var client = await ControlClient.ConnectAsync(rig.Endpoint, CancellationToken.None);
        await client.RequestAsync("prompt-attach", TimeSpan.FromSeconds(10), CancellationToken.None);
        var asking = rig.Broker.AskAsync(Login, CancellationToken.None);
        // The line is valid only until the next read: take the id now.
        var id = JsonDocument.Parse((await client.Connection.ReadLineAsync(TimeSpan.FromSeconds(10), CancellationToken.None))!.Value).RootElement.GetProperty("id").GetInt64();
        Assert.Null(await asking.WaitAsync(TimeSpan.FromSeconds(10)));
        var cancel = JsonDocument.Parse((await client.Connection.ReadLineAsync(TimeSpan.FromSeconds(10), CancellationToken.None))!.Value).RootElement;
        Assert.Equal("cancel", cancel.GetProperty("type").GetString());
        Assert.Equal(id, cancel.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task The_ssh_mux_prompt_program_shows_route_and_host_and_answers_from_stdin()
    {
        await using var rig = new ControlRig();
        await using var prompt = SshMuxProcess.Start(rig.Environment, "prompt");
        var output = new LineCollector(prompt.Stdout);
        await output.WaitForAsync(l => l.StartsWith("ssh-mux prompt: attached", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        var login = rig.Broker.AskAsync(Login, CancellationToken.None);
        await output.WaitForAsync(l => l.StartsWith("Password:", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await prompt.Stdin.WriteAsync("hunter2\n424242\n"u8.ToArray());
        await prompt.Stdin.FlushAsync();
        var answers = await login.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["hunter2", "424242"], answers!.Select(a => Encoding.UTF8.GetString(a)));

        var hostKey = rig.Broker.AskAsync(
            new PromptRequest(PromptKind.HostKey, "db", "admin@10.0.0.20:22", "Unknown host key", "ED25519 key fingerprint is SHA256:abc", [new PromptField("Trust it?", true)]),
            CancellationToken.None);
        await output.WaitForAsync(l => l.StartsWith("Trust it? (yes/no)", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await prompt.Stdin.WriteAsync("yes\n"u8.ToArray());
        await prompt.Stdin.FlushAsync();
        Assert.Equal("yes", Encoding.UTF8.GetString((await hostKey.WaitAsync(TimeSpan.FromSeconds(30)))![0]));

        var shown = output.Text;
        Assert.Contains("ssh-mux login prompt for route web -> deploy@10.0.0.10:22", shown, StringComparison.Ordinal);
        Assert.Contains("ssh-mux unknown host key for route db -> admin@10.0.0.20:22", shown, StringComparison.Ordinal);
        Assert.Contains("Duo two-factor\nLine one\nLine two\n", shown, StringComparison.Ordinal);
        Assert.Contains("Password: (input hidden)", shown, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', shown);
        Assert.DoesNotContain("owned", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", shown, StringComparison.Ordinal);

        // End of input detaches: the next prompt finds no front end.
        prompt.Stdin.Close();
        Assert.Equal(0, await prompt.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(await rig.Broker.AskAsync(Login, CancellationToken.None));
    }

    [Fact]
    public async Task On_a_terminal_a_secret_is_not_echoed_and_an_echoed_answer_is()
    {
        // script(1) (util-linux) gives ssh-mux prompt a pseudo-terminal, as a person's terminal would.
        await using var rig = new ControlRig();
        var environment = rig.Environment;
        environment["TERM"] = "xterm";
        await using var prompt = PipedProcess.Start("script", "/usr/bin/script", ["-qfec", $"{SshMuxProcess.Dotnet} {SshMuxProcess.Dll} prompt", "/dev/null"], environment);
        var output = new LineCollector(prompt.Stdout);
        await output.WaitForAsync(l => l.Contains("ssh-mux prompt: attached", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var login = rig.Broker.AskAsync(Login, CancellationToken.None);
        await output.WaitForAsync(l => l.Contains("Password: (input hidden)", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await Task.Delay(300);
        await prompt.Stdin.WriteAsync("hunter2\r"u8.ToArray());
        await prompt.Stdin.FlushAsync();
        await output.WaitForAsync(l => l.Contains("Passcode:", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await Task.Delay(300);
        await prompt.Stdin.WriteAsync("424242\r"u8.ToArray());
        await prompt.Stdin.FlushAsync();
        var answers = await login.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["hunter2", "424242"], answers!.Select(a => Encoding.UTF8.GetString(a)));
        await output.WaitForAsync(l => l.Contains("424242", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("hunter2", output.Text, StringComparison.Ordinal);
        Assert.Contains("ssh-mux login prompt for route web -> deploy@10.0.0.10:22", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ssh_mux_prompt_program_without_a_daemon_says_so()
    {
        using var runtime = new TempDirectory("sshmux-control-");
        var result = await SshMuxProcess.RunAsync(new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = runtime.Path }, null, "prompt");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("No ssh-mux daemon is running", result.StderrText, StringComparison.Ordinal);
    }

    /// <summary>Collects a process's stdout lines and lets the test wait for one.</summary>
    private sealed class LineCollector
    {
        private readonly StringBuilder _text = new();
        private readonly SemaphoreSlim _changed = new(0);

        public LineCollector(Stream stream)
        {
            _ = Task.Run(async () =>
            {
                var buffer = new byte[4096];
                int read;
                while ((read = await stream.ReadAsync(buffer)) > 0)
                {
                    lock (_text)
                    {
                        _text.Append(Encoding.UTF8.GetString(buffer, 0, read));
                    }

                    _changed.Release();
                }
            });
        }

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public async Task WaitForAsync(Func<string, bool> match, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (!Text.Split('\n').Any(match))
            {
                try
                {
                    await _changed.WaitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException("ssh-mux prompt did not print the expected line; it printed:\n" + Text);
                }
            }
        }
    }
}
