using System.Text;
using SshMux.Interop.Tests.Harness;

namespace SshMux.Tests.SignProxy;

/// <summary>
/// The real programs the sign-proxy tests drive. Each is required: a missing one fails the
/// test with the Debian package to install (test.sh installs them all).
/// </summary>
internal static class SignProxyTools
{
    public const string SshAgent = "ssh-agent";
    public const string SshAdd = "ssh-add";
    public const string SshKeygen = "ssh-keygen";
    public const string Git = "git";
    public const string Curl = "curl";

    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    public static string Require(string program)
    {
        var path = Peers.Find(program);
        if (path is null)
        {
            var package = program is Git or Curl ? program : "openssh-client";
            Assert.Fail($"'{program}' is not installed (apt-get install {package}; ./test.sh installs it).");
        }

        return path;
    }

    /// <summary>Runs a program to the end with <paramref name="input"/> on stdin; never an agent from the test's own environment.</summary>
    public static async Task<PipedResult> RunAsync(string program, IEnumerable<string> arguments, byte[]? input = null, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var env = new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null, ["DISPLAY"] = null, ["SSH_ASKPASS"] = null };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            env[key] = value;
        }

        var args = arguments.ToList();
        if (workingDirectory is not null)
        {
            // PipedProcess has no working directory: git takes -C, the others take absolute paths.
            Assert.Equal(Git, program);
            args.InsertRange(0, ["-C", workingDirectory]);
        }

        using var stdin = input is null ? null : new MemoryStream(input);
        return await PipedProcess.RunAsync(program, Require(program), args, stdin, RunTimeout, env);
    }

    /// <summary>Runs a program and fails the test, with its output, unless it exits 0.</summary>
    public static async Task<PipedResult> CheckAsync(string program, IEnumerable<string> arguments, byte[]? input = null, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var args = arguments.ToList();
        var result = await RunAsync(program, args, input, environment, workingDirectory);
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', args)}: {result}");
        return result;
    }

    /// <summary>An unencrypted key made by ssh-keygen at <paramref name="path"/> (and path.pub).</summary>
    public static async Task<TestKey> GenerateKeyAsync(string path, string type, string bits)
    {
        await CheckAsync(SshKeygen, ["-q", "-t", type, "-b", bits, "-N", string.Empty, "-C", "sign-proxy test " + Path.GetFileName(path), "-f", path]);
        return new TestKey(path, (await File.ReadAllTextAsync(path + ".pub")).Trim());
    }

    /// <summary>ssh-keygen -Y sign with the private key file itself (no agent): the reference signature.</summary>
    public static async Task<string> KeygenSignAsync(TestKey key, string signatureNamespace, byte[] message)
    {
        var result = await CheckAsync(SshKeygen, ["-Y", "sign", "-n", signatureNamespace, "-f", key.PrivatePath], message);
        return Encoding.UTF8.GetString(result.Stdout);
    }

    /// <summary>ssh-keygen -Y verify against an allowed_signers file naming only <paramref name="key"/>.</summary>
    public static async Task<PipedResult> KeygenVerifyAsync(string directory, TestKey key, string signatureNamespace, string armoredSignature, byte[] message)
    {
        var allowed = Path.Combine(directory, $"allowed_signers-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(allowed, $"signer@example.test namespaces=\"{signatureNamespace}\" {key.PublicLine}\n");
        var signature = Path.Combine(directory, $"sig-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(signature, armoredSignature);
        return await RunAsync(SshKeygen, ["-Y", "verify", "-f", allowed, "-I", "signer@example.test", "-n", signatureNamespace, "-s", signature], message);
    }
}

/// <summary>A key pair made by ssh-keygen.</summary>
internal sealed record TestKey(string PrivatePath, string PublicLine)
{
    public string PublicPath => PrivatePath + ".pub";

    /// <summary>"type base64" without the comment, for comparing with what the proxy reports.</summary>
    public string TypeAndBlob => string.Join(' ', PublicLine.Split(' ').Take(2));
}
