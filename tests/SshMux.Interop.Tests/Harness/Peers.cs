namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// The real SSH programs the interop tests talk to, and the Debian package of each. A
/// missing peer fails the test when CI=true (a CI run must exercise every peer); outside CI
/// the test is skipped at discovery by <see cref="PeerFactAttribute"/>.
/// </summary>
public static class Peers
{
    public const string Sshd = "sshd";
    public const string Ssh = "ssh";
    public const string SshKeygen = "ssh-keygen";
    public const string Dropbear = "dropbear";
    public const string DbClient = "dbclient";
    public const string DropbearKey = "dropbearkey";

    private static readonly Dictionary<string, string> Packages = new()
    {
        [Sshd] = "openssh-server",
        [Ssh] = "openssh-client",
        [SshKeygen] = "openssh-client",
        [Dropbear] = "dropbear-bin",
        [DbClient] = "dropbear-bin",
        [DropbearKey] = "dropbear-bin",
    };

    // sshd re-executes itself and refuses to run unless started by an absolute path, and
    // /usr/sbin is often not on a non-root PATH: look there explicitly.
    private static readonly string[] ExtraDirectories = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin"];

    public static bool IsCi =>
        Environment.GetEnvironmentVariable("CI") is { } ci
        && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    /// <summary>The absolute path of a peer program, or null when it is not installed.</summary>
    public static string? Find(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(ExtraDirectories))
        {
            var candidate = Path.Combine(directory, program);
            if (Path.IsPathRooted(candidate) && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The path of a peer program; fails the test with an install hint when it is missing.</summary>
    public static string Require(string program)
    {
        var found = Find(program);
        if (found is null)
        {
            Assert.Fail(MissingMessage(program));
        }

        return found;
    }

    public static string MissingMessage(string program)
    {
        var package = Packages.TryGetValue(program, out var p) ? p : program;
        return $"Interop peer '{program}' is not installed (apt-get install {package}; ./test.sh installs every peer)."
            + (IsCi ? " CI=true: every interop peer is required." : string.Empty);
    }

    /// <summary>The first of the programs that is missing, or null when all are installed.</summary>
    public static string? FirstMissing(IEnumerable<string> programs) => programs.FirstOrDefault(p => Find(p) is null);
}
