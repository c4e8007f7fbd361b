using System.Collections.Concurrent;
using SshMux.Interop.Tests.Harness;

// Not "SshMux.Interop.Tests.Peers": a namespace of that name would hide the Harness class
// Peers from every test namespace under SshMux.Interop.Tests.
namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>
/// The SSH implementations other than OpenSSH that these tests drive, and how to tell whether
/// one is there. A requirement is a program name (found as <see cref="Peers.Find"/> finds
/// them), "python3:MODULE" (a module Debian's /usr/bin/python3 can import) or "node:MODULE"
/// (a module installed in tests/peers-node by test.sh).
/// </summary>
public static class PeerPrograms
{
    public const string Plink = "plink";
    public const string Psftp = "psftp";
    public const string PuttyGen = "puttygen";
    public const string DropbearConvert = "dropbearconvert";
    public const string Paramiko = "python3:paramiko";
    public const string NodeSsh2 = "node:ssh2";
    public const string Unshare = "unshare";

    /// <summary>Debian's python3, which has python3-paramiko; a pyenv python3 on PATH does not.</summary>
    public const string SystemPython = "/usr/bin/python3";

    private static readonly Dictionary<string, string> Packages = new()
    {
        [Plink] = "putty-tools",
        [Psftp] = "putty-tools",
        [PuttyGen] = "putty-tools",
        [DropbearConvert] = "dropbear-bin",
        [Unshare] = "util-linux",
        [Paramiko] = "python3-paramiko",
        [NodeSsh2] = "nodejs and npm, then test.sh runs npm ci in tests/peers-node",
    };

    private static readonly ConcurrentDictionary<string, bool> ModuleChecks = new();

    /// <summary>tests/peers-node/node_modules: the repository root is the first parent holding SshMux.slnx.</summary>
    public static string NodeModules
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "SshMux.slnx")))
                {
                    return Path.Combine(directory.FullName, "tests", "peers-node", "node_modules");
                }
            }

            return Path.Combine(AppContext.BaseDirectory, "node_modules");
        }
    }

    public static bool IsAvailable(string requirement)
    {
        ArgumentNullException.ThrowIfNull(requirement);
        if (requirement.StartsWith("python3:", StringComparison.Ordinal))
        {
            return File.Exists(SystemPython) && ModuleChecks.GetOrAdd(requirement, r => CanImport(r["python3:".Length..]));
        }

        if (requirement.StartsWith("node:", StringComparison.Ordinal))
        {
            return Peers.Find("node") is not null
                && File.Exists(Path.Combine(NodeModules, requirement["node:".Length..], "package.json"));
        }

        return Peers.Find(requirement) is not null;
    }

    /// <summary>Fails the test, naming what to install, unless every requirement is met.</summary>
    public static void Require(params string[] requirements)
    {
        ArgumentNullException.ThrowIfNull(requirements);
        foreach (var requirement in requirements)
        {
            if (!IsAvailable(requirement))
            {
                Assert.Fail(MissingMessage(requirement));
            }
        }
    }

    /// <summary>The absolute path of a program requirement; fails the test when it is missing.</summary>
    public static string Locate(string program)
    {
        Require(program);
        return Peers.Find(program)!;
    }

    public static string MissingMessage(string requirement)
    {
        var package = Packages.TryGetValue(requirement, out var p) ? p : requirement;
        return $"Interop peer '{requirement}' is not available (install {package}; ./test.sh installs every peer)."
            + (Peers.IsCi ? " CI=true: every interop peer is required." : string.Empty);
    }

    private static bool CanImport(string module)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(SystemPython, ["-c", "import " + module])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            process.StandardError.ReadToEnd();
            if (!process.WaitForExit(30_000))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>A fact that needs peers named as <see cref="PeerPrograms"/> names them: a missing one fails the test (PeerPrograms.Require), never skips it.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OtherPeerFactAttribute : FactAttribute
{
    public OtherPeerFactAttribute(params string[] requirements)
    {
        Requirements = requirements;
    }

    public IReadOnlyList<string> Requirements { get; }
}

/// <summary>A theory that needs peers named as <see cref="PeerPrograms"/> names them.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OtherPeerTheoryAttribute : TheoryAttribute
{
    public OtherPeerTheoryAttribute(params string[] requirements)
    {
        Requirements = requirements;
    }

    public IReadOnlyList<string> Requirements { get; }
}
