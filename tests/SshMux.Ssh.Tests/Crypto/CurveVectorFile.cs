namespace SshMux.Ssh.Tests.Crypto;

/// <summary>
/// Reads Vectors/curve25519_openssl.txt, the OpenSSL-computed X25519 and Ed25519 results written by
/// Vectors/gen_curve25519_vectors.py. The file is found by walking up from the test binary to the
/// source tree, so the test project needs no copy-to-output item for it.
/// </summary>
internal static class CurveVectorFile
{
    private const string RelativePath = "tests/SshMux.Ssh.Tests/Vectors/curve25519_openssl.txt";

    private static readonly Lazy<string[][]> Records = new(Load);

    /// <summary>Records of the given kind ("x25519" or "ed25519"), as hex fields after the kind.</summary>
    internal static IEnumerable<string[]> Get(string kind) =>
        Records.Value.Where(r => r[0] == kind).Select(r => r[1..]);

    private static string[][] Load()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, RelativePath);
            if (File.Exists(candidate))
            {
                return File.ReadAllLines(candidate)
                    .Where(l => l.Length > 0 && l[0] != '#')
                    .Select(l => l.Split(' '))
                    .ToArray();
            }
        }

        throw new FileNotFoundException($"{RelativePath} not found above {AppContext.BaseDirectory}.");
    }

    internal static byte[] Hex(string s) => s == "-" ? [] : Convert.FromHexString(s);
}
