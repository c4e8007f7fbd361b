using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace SshMux.Ssh.Tests.Keys;

/// <summary>
/// Runs the real ssh-keygen. Tests that need it use <see cref="SshKeygenFactAttribute"/> /
/// <see cref="SshKeygenTheoryAttribute"/>: skipped when it is not installed, except under
/// CI=true where they run and fail.
/// </summary>
internal static class SshKeygen
{
    public static readonly string? Path = FindOnPath("ssh-keygen");

    public static bool MustRun => Path is not null || Environment.GetEnvironmentVariable("CI") == "true";

    public sealed record Result(int ExitCode, string Output, string Error);

    public static Result Run(params string[] arguments) => RunWithInput(null, arguments);

    public static Result RunWithInput(string? standardInput, params string[] arguments)
    {
        if (Path is null)
        {
            throw new InvalidOperationException("ssh-keygen is not installed (install openssh-client); CI=true requires it");
        }

        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            throw new TimeoutException("ssh-keygen " + string.Join(' ', arguments) + " did not finish");
        }

        return new Result(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs and insists on exit code 0, returning standard output.</summary>
    public static string Check(params string[] arguments)
    {
        var result = Run(arguments);
        Assert.True(result.ExitCode == 0, $"ssh-keygen {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Error}");
        return result.Output;
    }

    private static string? FindOnPath(string name)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator);
        foreach (var directory in directories.Append("/usr/bin"))
        {
            var candidate = System.IO.Path.Combine(directory, name);
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

public sealed class SshKeygenFactAttribute : FactAttribute
{
    public SshKeygenFactAttribute()
    {
        // A missing ssh-keygen fails the test rather than skipping it.
    }
}

public sealed class SshKeygenTheoryAttribute : TheoryAttribute
{
    public SshKeygenTheoryAttribute()
    {
        // A missing ssh-keygen fails the test rather than skipping it.
    }
}

/// <summary>A fresh directory under the temp path, removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("sshmux-keys-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// Reads Vectors/ssh_keys_python.json, written by Vectors/gen_key_vectors.py with OpenSSL
/// through python3-cryptography (found by walking up from the test binary).
/// </summary>
internal static class PythonKeyVectors
{
    private const string RelativePath = "tests/SshMux.Ssh.Tests/Vectors/ssh_keys_python.json";

    private static readonly Lazy<JsonElement[]> Entries = new(Load);

    public sealed record Entry(string Name, string PublicLine, int Bits, string Sha256, string Md5, byte[] Message,
        IReadOnlyDictionary<string, byte[]> Signatures, string Passphrase, IReadOnlyDictionary<string, string> Files);

    public static IEnumerable<Entry> All => Entries.Value.Select(ToEntry);

    public static Entry Get(string name) => All.Single(e => e.Name == name);

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var entry in All)
        {
            data.Add(entry.Name);
        }

        return data;
    }

    public static TheoryData<string, string> NamesAndFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var entry in All)
        {
            foreach (var file in entry.Files.Keys)
            {
                data.Add(entry.Name, file);
            }
        }

        return data;
    }

    private static Entry ToEntry(JsonElement e) => new(
        e.GetProperty("name").GetString()!,
        e.GetProperty("public").GetString()!,
        e.GetProperty("bits").GetInt32(),
        e.GetProperty("sha256").GetString()!,
        e.GetProperty("md5").GetString()!,
        Convert.FromHexString(e.GetProperty("message").GetString()!),
        e.GetProperty("signatures").EnumerateObject().ToDictionary(p => p.Name, p => Convert.FromHexString(p.Value.GetString()!)),
        e.GetProperty("passphrase").GetString()!,
        e.GetProperty("files").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));

    private static JsonElement[] Load()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, RelativePath);
            if (File.Exists(candidate))
            {
                using var document = JsonDocument.Parse(File.ReadAllText(candidate, Encoding.UTF8));
                return document.RootElement.GetProperty("keys").EnumerateArray().Select(e => e.Clone()).ToArray();
            }
        }

        throw new FileNotFoundException($"{RelativePath} not found above {AppContext.BaseDirectory}.");
    }
}
