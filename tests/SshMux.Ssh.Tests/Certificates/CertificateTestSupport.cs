using System.Diagnostics;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Tests.Keys;

namespace SshMux.Ssh.Tests.Certificates;

/// <summary>
/// Keys and certificates made by the real ssh-keygen. The keys are generated once per test run
/// (lazily, so a machine without ssh-keygen can still discover the tests) and every certificate
/// is signed with "ssh-keygen -s" into a fresh file. ssh-keygen runs with TZ=UTC so that its
/// -V arguments and -L output are in UTC like this layer's messages.
/// </summary>
internal static class KeygenCertificates
{
    /// <summary>Subject and CA key kinds: name, ssh-keygen -t, -b.</summary>
    public static readonly (string Name, string Type, string Bits)[] KeyKinds =
    [
        ("ed25519", "ed25519", "256"),
        ("ecdsa256", "ecdsa", "256"),
        ("ecdsa384", "ecdsa", "384"),
        ("ecdsa521", "ecdsa", "521"),
        ("rsa", "rsa", "2048"),
    ];

    /// <summary>The validity window most tests use, and instants inside and around it.</summary>
    public const string Window = "20300101000000Z:20300201000000Z";

    public static readonly DateTimeOffset WindowStart = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset WindowEnd = new(2030, 2, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset InWindow = new(2030, 1, 15, 12, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<string> Directory = new(CreateKeys);
    private static int _counter;

    public static string Root => Directory.Value;

    public static string PrivateKeyPath(string name) => Path.Combine(Root, "key_" + name);

    public static string PublicKeyPath(string name) => PrivateKeyPath(name) + ".pub";

    public static SshPublicKey PublicKey(string name) => SshPublicKeyLine.Parse(File.ReadAllText(PublicKeyPath(name))).Key;

    /// <summary>
    /// Signs the public key <paramref name="subject"/> with the CA key <paramref name="ca"/> and
    /// returns the path of the -cert.pub file. <paramref name="arguments"/> are extra ssh-keygen
    /// arguments (-I, -n, -V, -O, -h, -t, -z).
    /// </summary>
    public static string Sign(string subject, string ca, params string[] arguments)
    {
        var id = Interlocked.Increment(ref _counter);
        var copy = Path.Combine(Root, $"subject{id}_{subject}.pub");
        File.Copy(PublicKeyPath(subject), copy);
        List<string> all = ["-q", "-s", PrivateKeyPath(ca)];
        if (!arguments.Contains("-I"))
        {
            all.AddRange(["-I", $"cert {id}"]);
        }

        all.AddRange(arguments);
        all.Add(copy);
        Run(all.ToArray());
        return Path.Combine(Root, $"subject{id}_{subject}-cert.pub");
    }

    /// <summary>Signs and parses in one step.</summary>
    public static SshCertificate SignAndLoad(string subject, string ca, params string[] arguments) =>
        SshCertificateLine.Load(Sign(subject, ca, arguments)).Certificate;

    /// <summary>Runs ssh-keygen with TZ=UTC and returns standard output; a non-zero exit fails the test.</summary>
    public static string Run(params string[] arguments)
    {
        var (code, output, error) = RunUnchecked(arguments);
        Assert.True(code == 0, $"ssh-keygen {string.Join(' ', arguments)} failed ({code}): {error}");
        return output;
    }

    public static (int Code, string Output, string Error) RunUnchecked(params string[] arguments)
    {
        var path = SshKeygen.Path ?? throw new InvalidOperationException("ssh-keygen is not installed (install openssh-client); CI=true requires it");
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["TZ"] = "UTC";
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            throw new TimeoutException("ssh-keygen " + string.Join(' ', arguments) + " did not finish");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    private static string CreateKeys()
    {
        var root = System.IO.Directory.CreateTempSubdirectory("sshmux-certs-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        };

        // Generate in parallel: RSA generation dominates and the machine is shared, so two at a time.
        Parallel.ForEach(KeyKinds, new ParallelOptions { MaxDegreeOfParallelism = 2 }, kind =>
        {
            foreach (var role in new[] { "user_", "ca_", "other_" })
            {
                var path = Path.Combine(root, "key_" + role + kind.Name);
                Run2(["-q", "-t", kind.Type, "-b", kind.Bits, "-N", "", "-C", role + kind.Name, "-f", path]);
            }
        });
        return root;

        static void Run2(string[] arguments)
        {
            var (code, _, error) = RunUnchecked(arguments);
            if (code != 0)
            {
                throw new InvalidOperationException($"ssh-keygen {string.Join(' ', arguments)} failed ({code}): {error}");
            }
        }
    }
}

/// <summary>The parts of "ssh-keygen -L" output that the tests compare field by field.</summary>
internal sealed record KeygenListing(string Type, string PublicKeyFingerprint, string CaFingerprint, string CaAlgorithm,
    string KeyId, ulong Serial, string Valid, IReadOnlyList<string> Principals, IReadOnlyList<string> CriticalOptionNames,
    IReadOnlyList<string> ExtensionNames)
{
    public static KeygenListing Read(string certificatePath)
    {
        var lines = KeygenCertificates.Run("-L", "-f", certificatePath).Split('\n').Select(l => l.TrimEnd()).ToArray();
        string Field(string name) => lines.Single(l => l.TrimStart().StartsWith(name + ":", StringComparison.Ordinal)).Split(':', 2)[1].Trim();
        List<string> Section(string name)
        {
            var start = Array.FindIndex(lines, l => l.TrimStart().StartsWith(name + ":", StringComparison.Ordinal));
            var inline = lines[start].Split(':', 2)[1].Trim();
            if (inline == "(none)")
            {
                return [];
            }

            var items = new List<string>();
            for (var i = start + 1; i < lines.Length && lines[i].StartsWith("                ", StringComparison.Ordinal); i++)
            {
                items.Add(lines[i].Trim());
            }

            return items;
        }

        var signing = Field("Signing CA").Split(' ');
        return new KeygenListing(
            Field("Type"),
            Field("Public key").Split(' ')[1],
            signing[1],
            signing[3].TrimEnd(')'),
            Field("Key ID").Trim('"'),
            ulong.Parse(Field("Serial"), System.Globalization.CultureInfo.InvariantCulture),
            Field("Valid"),
            Section("Principals"),
            Section("Critical Options").Select(o => o.Split(' ')[0]).ToList(),
            Section("Extensions").Select(o => o.Split(' ')[0]).ToList());
    }
}
