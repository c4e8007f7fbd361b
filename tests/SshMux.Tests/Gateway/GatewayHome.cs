using System.Globalization;
using System.Text;
using SshMux.Interop.Tests.Harness;

namespace SshMux.Tests.Gateway;

/// <summary>
/// The world one end-to-end test runs ssh-mux in: a HOME whose .ssh holds the user key
/// (id_ed25519, offered upstream by default and authorized for the local server), and a
/// private 0700 XDG_RUNTIME_DIR so each daemon has its own control socket and tests run in
/// parallel. Every child process gets this environment and no agent.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class GatewayHome : IDisposable
{
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(40);
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly TempDirectory _root;

    private GatewayHome(TempDirectory root, UserKey key)
    {
        _root = root;
        Key = key;
    }

    public string Home => _root.Path;

    public string Ssh => Path.Combine(Home, ".ssh");

    public string RuntimeDirectory => _root.File("run");

    public string ControlSocket => Path.Combine(RuntimeDirectory, "ssh-mux", "control.sock");

    public string KnownHosts => Path.Combine(Ssh, "known_hosts");

    public string RoutesFile => Path.Combine(Ssh, "ssh-mux-routes.toml");

    public string SshConfig => Path.Combine(Ssh, "config");

    /// <summary>The one user key: upstream sshds authorize it, and so does the local server.</summary>
    public UserKey Key { get; }

    /// <summary>The upstream user name sshd lets in with <see cref="Key"/> (the user running the tests).</summary>
    public static string UpstreamUser => System.Environment.UserName;

    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["HOME"] = Home,
        ["XDG_RUNTIME_DIR"] = RuntimeDirectory,
        ["SSH_AUTH_SOCK"] = null,
        ["SSH_ASKPASS"] = null,
        ["SSH_ASKPASS_REQUIRE"] = null,
        ["DISPLAY"] = null,
    };

    public static async Task<GatewayHome> CreateAsync()
    {
        var root = new TempDirectory("sshmux-e2e-");
        try
        {
            Directory.CreateDirectory(root.File(".ssh"), Private);
            Directory.CreateDirectory(root.File("run"), Private);
            var key = await UserKey.GenerateAsync(Path.Combine(root.File(".ssh"), "id_ed25519"));
            await System.IO.File.WriteAllTextAsync(Path.Combine(root.File(".ssh"), "ssh-mux-authorized-keys"), key.PublicKeyLine + "\n");
            return new GatewayHome(root, key);
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    public string File(string name) => _root.File(name);

    /// <summary>Adds "[127.0.0.1]:PORT ssh-ed25519 KEY" to HOME/.ssh/known_hosts.</summary>
    public Task TrustAsync(int port, byte[] hostKeyBlob) =>
        System.IO.File.AppendAllTextAsync(KnownHosts, $"[127.0.0.1]:{Port(port)} ssh-ed25519 {Convert.ToBase64String(hostKeyBlob)}\n");

    public Task TrustAsync(SshdInstance sshd) => TrustAsync(sshd.Port, sshd.HostKeys[0].PublicBlob);

    /// <summary>Starts an sshd that lets <see cref="UpstreamUser"/> in with <see cref="Key"/>; with <paramref name="trusted"/>, its host key is in known_hosts.</summary>
    public async Task<SshdInstance> StartSshdAsync(InteropRun run, bool trusted = true)
    {
        var sshd = run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], Key.PublicKey));
        if (trusted)
        {
            await TrustAsync(sshd);
        }

        return sshd;
    }

    public Task WriteRoutesAsync(string toml) => System.IO.File.WriteAllTextAsync(RoutesFile, toml);

    /// <summary>`ssh-keygen -F [127.0.0.1]:PORT -f known_hosts`: whether the host is pinned.</summary>
    public async Task<bool> IsPinnedAsync(int port)
    {
        if (!System.IO.File.Exists(KnownHosts))
        {
            return false;
        }

        var result = await PipedProcess.RunAsync("ssh-keygen -F", Peers.Require(Peers.SshKeygen), ["-F", $"[127.0.0.1]:{Port(port)}", "-f", KnownHosts], null, ClientTimeout);
        return result.ExitCode == 0 && result.StdoutText.Contains("ssh-ed25519", StringComparison.Ordinal);
    }

    /// <summary>The OpenSSH client signing in to the local server as ROUTE and running a command to its end.</summary>
    public Task<PipedResult> SshAsync(int port, string route, string command, IEnumerable<string>? options = null, IReadOnlyDictionary<string, string?>? environment = null) =>
        PipedProcess.RunAsync("ssh " + route, Peers.Require(Peers.Ssh), SshArguments(port, route, command, options), null, ClientTimeout, SshEnvironment(environment));

    /// <summary>The same, left running with its stdin and stdout as pipes for the test.</summary>
    public PipedProcess StartSsh(int port, string route, string command) =>
        PipedProcess.Start("ssh " + route, Peers.Require(Peers.Ssh), SshArguments(port, route, command, null), SshEnvironment(null));

    private List<string> SshArguments(int port, string route, string command, IEnumerable<string>? options) =>
    [
        "-F", "/dev/null",
        "-i", Key.PrivateKeyPath,
        "-o", "IdentitiesOnly=yes",
        "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null",
        "-o", "ConnectTimeout=20",
        .. options ?? ["-o", "BatchMode=yes"],
        "-p", Port(port),
        $"{route}@127.0.0.1",
        command,
    ];

    private Dictionary<string, string?> SshEnvironment(IReadOnlyDictionary<string, string?>? extra)
    {
        var merged = new Dictionary<string, string?>(Environment);
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            merged[name] = value;
        }

        return merged;
    }

    /// <summary>The ProxyCommand `ssh -W %h:%p` through an sshd, with only the user key and no known_hosts.</summary>
    public string SshDashW(int jumpPort) =>
        $"{Peers.Require(Peers.Ssh)} -F /dev/null -i {Key.PrivateKeyPath} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p {Port(jumpPort)} -l {UpstreamUser} 127.0.0.1 -W %h:%p";

    public static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>A TOML route table.</summary>
    public static string Route(string name, int port, params string[] extra)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"\n[routes.{name}]\nhost = \"127.0.0.1\"\nport = {Port(port)}\nuser = \"{UpstreamUser}\"\n");
        foreach (var line in extra)
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }

    public void Dispose() => _root.Dispose();
}
