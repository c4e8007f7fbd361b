using System.Net.Sockets;
using System.Text;
using SshMux.Control;
using SshMux.Interop.Tests.Harness;
using SshMux.Pool;
using SshMux.Prompts;

namespace SshMux.Tests.Control;

/// <summary>A pool that records lock changes and reports what the test puts in it.</summary>
internal sealed class FakePool : IPoolControl
{
    public List<PoolEntryStatus> Entries { get; } = [];

    public bool IsLocked { get; private set; }

    public IReadOnlyList<PoolEntryStatus> Snapshot() => [.. Entries];

    public void Lock() => IsLocked = true;

    public void Unlock() => IsLocked = false;
}

/// <summary>
/// A control server in the test process on a private runtime directory (what
/// XDG_RUNTIME_DIR points at for the ssh-mux processes the test starts).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class ControlRig : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly IControlListener _listener;
    private readonly Task _running;

    public ControlRig(ControlServerOptions? options = null, PromptBrokerOptions? brokerOptions = null)
    {
        Runtime = new TempDirectory("sshmux-control-");
        Endpoint = new UnixControlEndpoint(Path.Combine(Runtime.Path, "ssh-mux"));
        Broker = new PromptBroker(brokerOptions);
        _listener = Endpoint.Listen();
        var server = new ControlServer(_listener, Pool, Broker, () => StopRequested.TrySetResult(), options);
        _running = server.RunAsync(_stop.Token);
    }

    public TempDirectory Runtime { get; }

    public UnixControlEndpoint Endpoint { get; }

    public PromptBroker Broker { get; }

    public FakePool Pool { get; } = new();

    public TaskCompletionSource StopRequested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The environment that points an ssh-mux process at this rig.</summary>
    public Dictionary<string, string?> Environment => new() { ["XDG_RUNTIME_DIR"] = Runtime.Path, ["NO_COLOR"] = "1" };

    public async Task<Socket> ConnectRawAsync()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Endpoint.Address));
        return socket;
    }

    /// <summary>Reads everything until the server closes the connection (or fails after the timeout).</summary>
    public static async Task<string> ReadToEndAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[65536];
        var text = new StringBuilder();
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (read == 0)
            {
                return text.ToString();
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running.WaitAsync(TimeSpan.FromSeconds(10));
        await _listener.DisposeAsync();
        _stop.Dispose();
        Runtime.Dispose();
    }
}

/// <summary>The built ssh-mux run as a process, as a person runs it.</summary>
internal static class SshMuxProcess
{
    public static string Dll => ServeInstance.DllPath;

    public static string Dotnet =>
        System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : Peers.Find("dotnet") ?? "dotnet";

    public static PipedProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        PipedProcess.Start("ssh-mux " + arguments[0], Dotnet, [Dll, .. arguments], environment);

    public static Task<PipedResult> RunAsync(IReadOnlyDictionary<string, string?> environment, string? stdin, params string[] arguments) =>
        PipedProcess.RunAsync("ssh-mux " + arguments[0], Dotnet, [Dll, .. arguments], stdin is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(stdin)), TimeSpan.FromSeconds(60), environment);
}
