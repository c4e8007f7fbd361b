using System.Net.Sockets;
using SshMux.Interop.Tests.Harness;

namespace SshMux.Tests.SignProxy;

/// <summary>A real OpenSSH ssh-agent in the foreground (-D) on its own socket; keys are loaded with ssh-add. Killed on dispose.</summary>
internal sealed class TestAgent : IAsyncDisposable
{
    private readonly PeerProcess _process;
    private readonly TempDirectory _directory;

    private TestAgent(PeerProcess process, TempDirectory directory, string socketPath)
    {
        _process = process;
        _directory = directory;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    /// <summary>Starts an empty agent with its socket in a new private temp directory.</summary>
    public static async Task<TestAgent> StartAsync(params TestKey[] keys)
    {
        var directory = new TempDirectory("sshmux-agent-");
        var socketPath = directory.File("agent.sock");
        // A key added with ssh-add -c asks for confirmation through SSH_ASKPASS: /bin/false says no.
        var process = PeerProcess.Start("ssh-agent", SignProxyTools.Require(SignProxyTools.SshAgent), ["-D", "-a", socketPath],
            new Dictionary<string, string> { ["SSH_ASKPASS"] = "/bin/false", ["SSH_ASKPASS_REQUIRE"] = "force", ["DISPLAY"] = ":0" });
        var agent = new TestAgent(process, directory, socketPath);

        // The socket file appears at bind(), before listen(): wait until a connection is accepted.
        var deadline = Environment.TickCount64 + 10_000;
        while (!Accepts(socketPath))
        {
            if (process.HasExited || Environment.TickCount64 > deadline)
            {
                await agent.DisposeAsync();
                Assert.Fail($"ssh-agent did not listen on {socketPath}: {process.Tail()}");
            }

            await Task.Delay(10);
        }

        foreach (var key in keys)
        {
            await agent.AddAsync(key);
        }

        return agent;
    }

    public Task AddAsync(TestKey key) => SshAddAsync("-q", key.PrivatePath);

    /// <summary>ssh-add -c: every signature must be confirmed, which this agent always denies.</summary>
    public Task AddWithConfirmationAsync(TestKey key) => SshAddAsync("-q", "-c", key.PrivatePath);

    public Task RemoveAsync(TestKey key) => SshAddAsync("-q", "-d", key.PublicPath);

    private Task SshAddAsync(params string[] arguments) =>
        SignProxyTools.CheckAsync(SignProxyTools.SshAdd, arguments, environment: new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = SocketPath });

    private static bool Accepts(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _directory.Dispose();
    }
}
