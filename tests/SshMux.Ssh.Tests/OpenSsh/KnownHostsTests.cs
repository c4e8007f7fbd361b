using SshMux.Ssh.OpenSsh;
using static SshMux.Ssh.Tests.OpenSsh.OpenSshTestKeys;

namespace SshMux.Ssh.Tests.OpenSsh;

/// <summary>known_hosts parsing and plain-key lookups (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT, hostfile.c).</summary>
public class KnownHostsTests
{
    /// <summary>sshd(8)'s example hashed line hashes "closenet", the host of the (older) man page's first example.</summary>
    private const string ManPageHash = "|1|JfKTdBh7rNbXkVAQCRp4OQoPfmI=|USECr3SWf1JUPsms5AqfD5QfxkM=";

    [Fact]
    public void ManPageHashedNameIsCloseNet()
    {
        Assert.True(KnownHostsHash.TryParse(ManPageHash, out var salt, out var hash));
        Assert.True(KnownHostsHash.Matches(salt, hash, "closenet"));
        Assert.False(KnownHostsHash.Matches(salt, hash, "closenet.example.net"));
        Assert.Equal(ManPageHash, KnownHostsHash.Create("closenet", salt));
    }

    [Theory]
    [InlineData("|1|")]
    [InlineData("|1||USECr3SWf1JUPsms5AqfD5QfxkM=")]
    [InlineData("|1|JfKTdBh7rNbXkVAQCRp4OQoPfmI=")]
    [InlineData("|1|JfKTdBh7rNbXkVAQCRp4OQoPfmI=|USECr3SWf1JUPsms5AqfD5Q=")]
    [InlineData("|2|JfKTdBh7rNbXkVAQCRp4OQoPfmI=|USECr3SWf1JUPsms5AqfD5QfxkM=")]
    [InlineData("|1|!!!|USECr3SWf1JUPsms5AqfD5QfxkM=")]
    public void MalformedHashesAreRecognised(string field)
    {
        Assert.False(KnownHostsHash.TryParse(field, out _, out _));
        var file = KnownHostsFile.Parse($"{field} {Text(Ed25519(1))}\n{ManPageHash} {Text(Ed25519(2))}", "kh");
        Assert.Equal(2, Assert.Single(file.Entries).LineNumber);
        Assert.Contains("bad host hash", Assert.Single(file.Warnings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ManPageExampleFile()
    {
        var text = $"""
            # Comments allowed at start of line
            cvs.example.net,192.0.2.10 {Text(Rsa)}
            # A hashed hostname
            {ManPageHash} {Text(Ed25519(1))}
            # A revoked key
            @revoked * {Text(Ed25519(9))}
            # A CA key, accepted for any host in *.mydomain.com or *.mydomain.org
            @cert-authority *.mydomain.org,*.mydomain.com {Text(Ecdsa)}
            """;
        var file = KnownHostsFile.Parse(text, "ssh_known_hosts");
        Assert.Empty(file.Warnings);
        Assert.Equal([2, 4, 6, 8], file.Entries.Select(e => e.LineNumber));
        Assert.Equal([KnownHostsMarker.None, KnownHostsMarker.None, KnownHostsMarker.Revoked, KnownHostsMarker.CertAuthority], file.Entries.Select(e => e.Marker));
        Assert.True(file.Entries[1].IsHashed);

        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("cvs.example.net", 22, Rsa).Status);
        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("192.0.2.10", 22, Rsa).Status);
        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("CloseNet", 22, Ed25519(1)).Status);
        Assert.Equal(KnownHostsStatus.Unknown, file.Lookup("www.mydomain.com", 22, Ed25519(1)).Status);
        Assert.Equal(KnownHostsStatus.Revoked, file.Lookup("anything.example", 22, Ed25519(9)).Status);
        Assert.Equal([6, 8], file.FindEntries("ssh.mydomain.org").Select(e => e.LineNumber));
    }

    [Fact]
    public void NonDefaultPortsUseBracketedNames()
    {
        var file = KnownHostsFile.Parse($"host.example.com {Text(Ed25519(1))}\n[host.example.com]:2222 {Text(Ed25519(2))}\n[::1]:2200 {Text(Ed25519(3))}\n", "kh");
        Assert.Equal("host.example.com", KnownHostsEntry.HostName("HOST.example.com", 22));
        Assert.Equal("[host.example.com]:2222", KnownHostsEntry.HostName("host.example.com", 2222));

        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("host.example.com", 22, Ed25519(1)).Status);
        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("host.example.com", 0, Ed25519(1)).Status);
        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("host.example.com", 2222, Ed25519(2)).Status);
        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("::1", 2200, Ed25519(3)).Status);

        // Port 22 entries say nothing about other ports and the other way round.
        Assert.Equal(KnownHostsStatus.Changed, file.Lookup("host.example.com", 22, Ed25519(2)).Status);
        Assert.Equal(KnownHostsStatus.Changed, file.Lookup("host.example.com", 2222, Ed25519(1)).Status);
        Assert.Equal(KnownHostsStatus.Unknown, file.Lookup("host.example.com", 2223, Ed25519(1)).Status);
        Assert.Equal(KnownHostsStatus.Unknown, file.Lookup("::1", 22, Ed25519(3)).Status);
    }

    [Fact]
    public void ChangedKeyReportsTheKnownKeys()
    {
        var file = KnownHostsFile.Parse($"server,10.0.0.1 {Text(Ed25519(1))}\nserver {Text(Rsa)}\nother {Text(Ed25519(2))}\n", "kh");
        var result = file.Lookup("server", 22, Ed25519(3));
        Assert.Equal(KnownHostsStatus.Changed, result.Status);
        Assert.Null(result.Entry);
        Assert.Equal([1, 2], result.OtherKeys.Select(e => e.LineNumber));
        Assert.Equal([Ed25519(1).GetSha256Fingerprint(), Rsa.GetSha256Fingerprint()], result.OtherKeyFingerprints);
        Assert.Contains("CHANGED", result.ToString(), StringComparison.Ordinal);

        // Several key types per host: any listed one is trusted.
        Assert.Equal(2, file.Lookup("server", 22, Rsa).Entry!.LineNumber);
        Assert.Equal(1, file.Lookup("server", 22, Ed25519(1)).Entry!.LineNumber);
        Assert.Equal(KnownHostsStatus.Unknown, file.Lookup("new-host", 22, Ed25519(1)).Status);
    }

    [Fact]
    public void RevokedWinsOverAListedKey()
    {
        var file = KnownHostsFile.Parse($"server {Text(Ed25519(1))}\n@revoked server,other {Text(Ed25519(1))}\n", "kh");
        var result = file.Lookup("server", 22, Ed25519(1));
        Assert.Equal(KnownHostsStatus.Revoked, result.Status);
        Assert.Equal(2, result.Entry!.LineNumber);

        // A revocation for other hosts does not apply.
        var scoped = KnownHostsFile.Parse($"server {Text(Ed25519(1))}\n@revoked other {Text(Ed25519(1))}\n");
        Assert.Equal(KnownHostsStatus.Trusted, scoped.Lookup("server", 22, Ed25519(1)).Status);
    }

    [Fact]
    public void WildcardsAndNegation()
    {
        var file = KnownHostsFile.Parse($"*.example.com,!bad.example.com,192.0.2.? {Text(Ed25519(1))}\n", "kh");
        foreach (var host in new[] { "www.example.com", "A.B.EXAMPLE.COM", "192.0.2.7" })
        {
            Assert.Equal(KnownHostsStatus.Trusted, file.Lookup(host, 22, Ed25519(1)).Status);
        }

        foreach (var host in new[] { "bad.example.com", "example.com", "192.0.2.77" })
        {
            Assert.Equal(KnownHostsStatus.Unknown, file.Lookup(host, 22, Ed25519(1)).Status);
        }
    }

    [Fact]
    public void MalformedLinesAreSkippedWithWarnings()
    {
        var good = Text(Ed25519(1));
        var lines = new[]
        {
            $"host {good}",
            $"@bogus host {good}",
            $"@revoked @cert-authority host {good}",
            $"@revoked",
            "hostonly",
            "host ",
            "host # comment",
            $"host ssh-ed25519 !!!",
            "host ssh-ed25519",
            "host ssh-dss AAAAB3NzaC1kc3MAAACBAP",
            "host 2048 35 12345678901234567890",
            $"host ssh-ed25519 {Convert.ToBase64String(Rsa.Blob.Span)}",
            $"host {new Certificates.TestCertificateBuilder(Support.TestKeys.ForKeyType("ssh-ed25519"), Support.TestKeys.ForKeyType("ssh-ed25519")).Decode().ToOpenSshString()}",
            $"  \t host2 {Text(Ed25519(2))} trailing comment  ",
        };
        var file = KnownHostsFile.Parse(string.Join('\n', lines), "kh");
        Assert.Equal([1, 14], file.Entries.Select(e => e.LineNumber));
        Assert.Equal("trailing comment", file.Entries[1].Comment);
        Assert.Equal(Enumerable.Range(2, 12), file.Warnings.Select(w => w.LineNumber));
        Assert.All(file.Warnings, w => Assert.StartsWith($"kh:{w.LineNumber}: ", w.ToString(), StringComparison.Ordinal));
        Assert.Contains("invalid marker", file.Warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("ssh-dss", file.Warnings[8].Message, StringComparison.Ordinal);
        Assert.Contains("certificate", file.Warnings[11].Message, StringComparison.Ordinal);
        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("host2", 22, Ed25519(2)).Status);
    }

    [Fact]
    public void SeveralFilesAreOneDatabase()
    {
        var user = KnownHostsFile.Parse($"server {Text(Ed25519(1))}", "~/.ssh/known_hosts");
        var global = KnownHostsFile.Parse($"@revoked * {Text(Ed25519(2))}\nserver {Text(Ed25519(2))}", "/etc/ssh/ssh_known_hosts");
        Assert.Equal(KnownHostsStatus.Trusted, KnownHostsLookup.Check([user, global], "server", 22, Ed25519(1)).Status);
        var revoked = KnownHostsLookup.Check([user, global], "server", 22, Ed25519(2));
        Assert.Equal(KnownHostsStatus.Revoked, revoked.Status);
        Assert.Equal("/etc/ssh/ssh_known_hosts:1", revoked.Entry!.Location);
    }

    [Fact]
    public void LoadOfAMissingFileIsEmpty() =>
        Assert.Empty(KnownHostsFile.Load(Path.Combine(Path.GetTempPath(), "sshmux-none-" + Guid.NewGuid().ToString("N"), "known_hosts")).Entries);
}
