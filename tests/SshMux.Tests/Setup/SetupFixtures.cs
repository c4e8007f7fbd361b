using SshMux.Interop.Tests.Harness;
using SshMux.Paths;
using SshMux.Routing;

namespace SshMux.Tests.Setup;

/// <summary>A temporary home with a private .ssh, and routes to generate Host blocks for.</summary>
internal sealed class SetupHome : IDisposable
{
    private readonly TempDirectory temp = new("ssh-mux-setup-");

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public SetupHome(string homeName = "home")
    {
        var ssh = Path.Combine(temp.Path, homeName, ".ssh");
        System.IO.Directory.CreateDirectory(ssh);
        File.SetUnixFileMode(ssh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory = new SshDirectory(ssh);
    }

    public string Work => temp.Path;

    public SshDirectory Directory { get; }

    public static Route Route(string name, string host = "10.0.0.10", string user = "deploy") =>
        new(name, new RouteHop(host, 22, user, []), [], false, false, "routes.toml:1");

    /// <summary>Every file in the SSH directory with its bytes, to compare two runs.</summary>
    public Dictionary<string, byte[]> Snapshot() =>
        System.IO.Directory.GetFiles(Directory.Path).ToDictionary(f => f, File.ReadAllBytes);

    public void Dispose() => temp.Dispose();
}
