using System.Text.RegularExpressions;
using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Tests.Certificates;
using SshMux.Ssh.Tests.Keys;
using static SshMux.Ssh.Tests.OpenSsh.OpenSshTestKeys;

namespace SshMux.Ssh.Tests.OpenSsh;

/// <summary>
/// known_hosts against OpenSSH's ssh-keygen: which lines apply to a host agrees with
/// "ssh-keygen -F host", names hashed by "ssh-keygen -H" are found, and host certificates
/// signed by "ssh-keygen -s -h" are trusted through @cert-authority lines.
/// </summary>
public partial class KnownHostsKeygenTests
{
    private static readonly string[] QueryNames =
    [
        "host1.example.com", "HOST1.Example.COM", "www.example.com", "bad.example.com", "[host1.example.com]:2222",
        "[www.example.com]:2200", "x.example.org", "host1.example.net", "host22.example.net", "host2.example.com",
        "192.0.2.1", "192.0.2.5", "unknown.example", "[192.0.2.1]:22",
    ];

    private static string SampleFile(bool withInvalidLines = true) => withInvalidLines ? AllLines() : string.Join('\n', AllLines().Split('\n').Where(l => !l.StartsWith("@bogus", StringComparison.Ordinal) && l != "hostonly"));

    private static string AllLines() => $"""
        # comment
        host1.example.com,192.0.2.1 {Text(Ed25519(1))}
        *.example.com,!bad.example.com {Text(Ed25519(2))}
        [host1.example.com]:2222 {Text(Ed25519(3))}
        @revoked * {Text(Ed25519(4))}
        @cert-authority *.example.org {Text(Ed25519(5))}
        host?.example.net {Text(Rsa)}
        HOST2.example.com {Text(Ecdsa)}
        [*.example.com]:* {Text(Ed25519(6))}
        @bogus host1.example.com {Text(Ed25519(1))}
        hostonly
        192.0.2.0/24 {Text(Ed25519(7))}
          host1.example.com   {Text(Ed25519(8))}   indented with a comment

        """;

    [SshKeygenFact]
    public void MatchingLinesAgreeWithSshKeygenF()
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");
        File.WriteAllText(path, SampleFile());
        var file = KnownHostsFile.Load(path);
        var found = 0;
        foreach (var name in QueryNames)
        {
            var expected = KeygenFind(name, path);
            Assert.Equal(expected, Ours(file, name));
            found += expected.Count;
        }

        // The comparison means something only if ssh-keygen found lines of every kind.
        Assert.True(found >= QueryNames.Length, $"ssh-keygen found only {found} lines");
        Assert.Equal(2, file.Warnings.Count);
    }

    [SshKeygenFact]
    public void HashedBySshKeygenAgreesWithSshKeygenFAndWithThePlainFile()
    {
        using var dir = new TempDirectory();
        var plainPath = dir.File("plain");
        var hashedPath = dir.File("hashed");
        // ssh-keygen -H refuses to rewrite a file with invalid lines.
        File.WriteAllText(plainPath, SampleFile(withInvalidLines: false));
        File.WriteAllText(hashedPath, SampleFile(withInvalidLines: false));
        KeygenCertificates.Run("-H", "-f", hashedPath);
        var hashed = KnownHostsFile.Load(hashedPath);
        var plain = KnownHostsFile.Load(plainPath);
        Assert.Contains(hashed.Entries, e => e.IsHashed);
        Assert.DoesNotContain(File.ReadAllText(hashedPath), "host1.example.com,", StringComparison.Ordinal);

        // ssh-keygen -F hashes the name as given; ssh lower-cases host names before it looks them up.
        foreach (var name in QueryNames.Where(n => n == n.ToLowerInvariant()))
        {
            Assert.Equal(KeygenFind(name, hashedPath), Ours(hashed, name));
            var host = name.StartsWith('[') ? name[1..name.IndexOf(']', StringComparison.Ordinal)] : name;
            var port = name.StartsWith('[') ? int.Parse(name[(name.IndexOf(']', StringComparison.Ordinal) + 2)..], System.Globalization.CultureInfo.InvariantCulture) : 22;
            foreach (var key in new[] { Ed25519(1), Ed25519(2), Ed25519(3), Ed25519(4), Rsa, Ecdsa, Ed25519(8), Ed25519(99) })
            {
                var expected = plain.Lookup(host, port, key);
                var actual = hashed.Lookup(host, port, key);
                Assert.Equal(expected.Status, actual.Status);
                Assert.Equal(expected.OtherKeys.Select(e => e.Key), actual.OtherKeys.Select(e => e.Key));
            }
        }
    }

    [SshKeygenFact]
    public void HashedNamesWrittenHereAreFoundBySshKeygen()
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");
        Assert.True(KnownHostsWriter.Add(path, "Server.Example.com", 22, Ed25519(1), hashName: true).Success);
        Assert.True(KnownHostsWriter.Add(path, "server.example.com", 2222, Ed25519(2), hashName: true).Success);
        Assert.True(KnownHostsWriter.Add(path, "plain.example.com", 2222, Ed25519(3)).Success);
        Assert.Equal([1], KeygenFind("server.example.com", path).Select(f => f.Line));
        Assert.Equal([2], KeygenFind("[server.example.com]:2222", path).Select(f => f.Line));
        Assert.Equal([3], KeygenFind("[plain.example.com]:2222", path).Select(f => f.Line));
        Assert.Empty(KeygenFind("[server.example.com]:2223", path));
    }

    [SshKeygenFact]
    public void HostCertificateIsTrustedThroughCertAuthority()
    {
        var ca = KeygenCertificates.PublicKey("ca_ed25519");
        var certificate = KeygenCertificates.SignAndLoad("user_ecdsa256", "ca_ed25519", "-h", "-n", "*.example.org,bastion", "-V", KeygenCertificates.Window);
        var file = KnownHostsFile.Parse($"@cert-authority *.example.org,bastion,[bastion]:2222 {ca.ToOpenSshString()}\n", "kh");
        var options = new KnownHostsLookupOptions { Now = KeygenCertificates.InWindow };

        var trusted = file.Lookup("www.example.org", 22, certificate, options);
        Assert.Equal(KnownHostsStatus.Trusted, trusted.Status);
        Assert.True(trusted.TrustedByCertificateAuthority);
        Assert.Null(trusted.CertificateFailure);
        Assert.True(file.Lookup("bastion", 2222, certificate, options).TrustedByCertificateAuthority);

        // The CA line must name the [host]:port form for other ports, like any known_hosts line.
        Assert.Equal(KnownHostsStatus.Unknown, file.Lookup("bastion", 2200, certificate, options).Status);
        Assert.Equal(KnownHostsStatus.Unknown, file.Lookup("www.example.org", 2200, certificate, options).Status);

        // A host the CA line does not cover, or a time outside the certificate: the plain key decides (here: unknown).
        var uncovered = file.Lookup("www.example.com", 22, certificate, options);
        Assert.Equal(KnownHostsStatus.Unknown, uncovered.Status);
        Assert.Contains("no @cert-authority line", uncovered.CertificateFailure, StringComparison.Ordinal);
        var expired = file.Lookup("www.example.org", 22, certificate, options with { Now = KeygenCertificates.WindowEnd });
        Assert.Equal(KnownHostsStatus.Unknown, expired.Status);
        Assert.Equal("kh:1: certificate expired at 2030-02-01T00:00:00Z", expired.CertificateFailure);

        // The CA line covers a host the certificate does not name.
        var wide = KnownHostsFile.Parse($"@cert-authority * {ca.ToOpenSshString()}\n");
        Assert.Contains("principal 'other.example.net' not in certificate", wide.Lookup("other.example.net", 22, certificate, options).CertificateFailure, StringComparison.Ordinal);

        // When the CA fails, a line listing the certificate's own key still trusts it.
        var withKey = KnownHostsFile.Parse($"www.example.com {certificate.PublicKey.ToOpenSshString()}\n");
        var fallback = withKey.Lookup("www.example.com", 22, certificate, options);
        Assert.Equal(KnownHostsStatus.Trusted, fallback.Status);
        Assert.False(fallback.TrustedByCertificateAuthority);
        Assert.NotNull(fallback.CertificateFailure);
    }

    [SshKeygenFact]
    public void RevokedCertificateKeyOrCaWins()
    {
        var ca = KeygenCertificates.PublicKey("ca_ed25519");
        var certificate = KeygenCertificates.SignAndLoad("user_ed25519", "ca_ed25519", "-h", "-n", "host.example.org");
        var options = new KnownHostsLookupOptions { Now = KeygenCertificates.InWindow };
        var trustLine = $"@cert-authority *.example.org {ca.ToOpenSshString()}";
        Assert.Equal(KnownHostsStatus.Trusted, KnownHostsFile.Parse(trustLine).Lookup("host.example.org", 22, certificate, options).Status);

        foreach (var revoked in new[] { ca, certificate.PublicKey })
        {
            var file = KnownHostsFile.Parse($"{trustLine}\n@revoked * {revoked.ToOpenSshString()}\n");
            var result = file.Lookup("host.example.org", 22, certificate, options);
            Assert.Equal(KnownHostsStatus.Revoked, result.Status);
            Assert.Equal(2, result.Entry!.LineNumber);
        }
    }

    [SshKeygenFact]
    public void UserCertificatesAndSha1CertificatesAreNotHostCertificates()
    {
        var ca = KeygenCertificates.PublicKey("ca_rsa");
        var file = KnownHostsFile.Parse($"@cert-authority * {ca.ToOpenSshString()}\n");
        var options = new KnownHostsLookupOptions { Now = KeygenCertificates.InWindow };

        var user = KeygenCertificates.SignAndLoad("user_ed25519", "ca_rsa", "-n", "host.example.org");
        Assert.Contains("user certificate", file.Lookup("host.example.org", 22, user, options).CertificateFailure, StringComparison.Ordinal);

        var sha1 = KeygenCertificates.SignAndLoad("user_ed25519", "ca_rsa", "-t", "ssh-rsa", "-h", "-n", "host.example.org");
        Assert.Equal(KnownHostsStatus.Unknown, file.Lookup("host.example.org", 22, sha1, options).Status);
        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("host.example.org", 22, sha1, options with { AllowSha1CaSignature = true }).Status);
    }

    private static List<(int Line, string Marker)> Ours(KnownHostsFile file, string name) =>
        file.FindEntries(name).Select(e => (e.LineNumber, e.Marker switch
        {
            KnownHostsMarker.CertAuthority => "CA",
            KnownHostsMarker.Revoked => "REVOKED",
            _ => "",
        })).ToList();

    /// <summary>The "# Host NAME found: line N [CA|REVOKED]" lines of ssh-keygen -F.</summary>
    private static List<(int Line, string Marker)> KeygenFind(string name, string path)
    {
        var (code, output, error) = KeygenCertificates.RunUnchecked("-F", name, "-f", path);
        Assert.True(code is 0 or 1, error);
        return FoundLine().Matches(output)
            .Select(m => (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Value))
            .ToList();
    }

    [GeneratedRegex(@"^# Host .* found: line (\d+) ?(CA|REVOKED)?$", RegexOptions.Multiline)]
    private static partial Regex FoundLine();
}
