using System.Text;
using SshMux.Cli;
using SshMux.Control;
using SshMux.Interop.Tests.Harness;
using SshMux.Pool;
using SshMux.Prompts;

namespace SshMux.Tests.Control;

/// <summary>The daemon with a gateway hook, as the integrator wires it: the hook's pool is what the control socket shows.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DaemonCommandTests
{
    [Fact]
    public async Task The_gateway_hook_gets_the_broker_and_its_pool_is_served_until_stop()
    {
        using var runtime = new TempDirectory("sshmux-control-");
        var endpoint = new UnixControlEndpoint(Path.Combine(runtime.Path, "ssh-mux"));
        var pool = new FakePool();
        pool.Entries.Add(new PoolEntryStatus("web", "deploy@10.0.0.10:22", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), 1, 10, 20, "active"));
        var lifetime = new Lifetime();
        DaemonContext? context = null;
        var settings = new DaemonSettings(2222, TimeSpan.FromSeconds(600), TimeSpan.FromSeconds(43200), null, false);
        var daemon = DaemonCommand.RunAsync(settings, TimeSpan.FromSeconds(30), (c, _) =>
        {
            context = c;
            return Task.FromResult(new DaemonGateway(pool, lifetime));
        }, endpoint, CancellationToken.None);

        ControlClient? client = null;
        for (var attempt = 0; client is null; attempt++)
        {
            try
            {
                client = await ControlClient.ConnectAsync(endpoint, CancellationToken.None);
            }
            catch (DaemonNotRunningException) when (attempt < 200)
            {
                await Task.Delay(25);
            }
        }

        await using (client)
        {
            var (locked, entries) = ControlProtocol.ParseStatus(await client.RequestAsync("status", TimeSpan.FromSeconds(10), CancellationToken.None));
            Assert.False(locked);
            Assert.Equal("deploy@10.0.0.10:22", Assert.Single(entries).Upstream);
            await client.RequestAsync("lock", TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.True(pool.IsLocked);
            Assert.Equal(settings, context!.Settings);

            // The broker the gateway got is the one attached terminals serve.
            await using var terminal = await ControlClient.ConnectAsync(endpoint, CancellationToken.None);
            await terminal.RequestAsync("prompt-attach", TimeSpan.FromSeconds(10), CancellationToken.None);
            var asking = context.Broker.AskAsync(new PromptRequest(PromptKind.Passphrase, "web", "deploy@10.0.0.10:22", "Key", string.Empty, [new PromptField("Passphrase: ", false)]), CancellationToken.None);
            var line = await terminal.Connection.ReadLineAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            var id = System.Text.Json.JsonDocument.Parse(line!.Value).RootElement.GetProperty("id").GetInt64();
            await terminal.Connection.WriteLineAsync($"answer {id} {Convert.ToBase64String("correct horse"u8)}", CancellationToken.None);
            Assert.Equal("correct horse", Encoding.UTF8.GetString((await asking.WaitAsync(TimeSpan.FromSeconds(10)))![0]));

            Assert.Equal("stopping", await client.RequestAsync("stop", TimeSpan.FromSeconds(10), CancellationToken.None));
        }

        Assert.Equal(ExitCodes.Success, await daemon.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(lifetime.Disposed);
        Assert.False(File.Exists(endpoint.Address));
    }

    [Fact]
    public async Task A_gateway_that_fails_to_start_fails_the_daemon_and_frees_the_socket()
    {
        using var runtime = new TempDirectory("sshmux-control-");
        var endpoint = new UnixControlEndpoint(Path.Combine(runtime.Path, "ssh-mux"));
        var settings = new DaemonSettings(2222, TimeSpan.FromSeconds(600), TimeSpan.Zero, null, false);
        var code = await DaemonCommand.RunAsync(settings, TimeSpan.FromSeconds(30), (_, _) => throw new IOException("port 2222 is in use"), endpoint, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(ExitCodes.ProtocolFailure, code);
        Assert.False(File.Exists(endpoint.Address));
    }

    private sealed class Lifetime : IAsyncDisposable
    {
        public bool Disposed { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
