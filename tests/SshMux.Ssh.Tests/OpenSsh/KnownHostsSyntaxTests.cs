using SshMux.Ssh.Algorithms;
using SshMux.Ssh.OpenSsh;
using static SshMux.Ssh.Tests.OpenSsh.OpenSshTestKeys;

namespace SshMux.Ssh.Tests.OpenSsh;

/// <summary>known_hosts corners beyond the man page examples (hostfile.c, match.c match_hostname).</summary>
public class KnownHostsSyntaxTests
{
    [Fact]
    public void NegatedMatchMakesTheWholeLineNotApply()
    {
        // "!" wins over an earlier positive pattern on the same line, and the host then falls to the other lines.
        var file = KnownHostsFile.Parse($"*.corp,!db.corp {Text(Ed25519(1))}\ndb.corp {Text(Ed25519(2))}\n", "kh");
        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("db.corp", 22, Ed25519(2)).Status);
        Assert.Equal(KnownHostsStatus.Changed, file.Lookup("db.corp", 22, Ed25519(1)).Status);
        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("web.corp", 22, Ed25519(1)).Status);

        // A line of negations alone matches nothing.
        var negationsOnly = KnownHostsFile.Parse($"!db.corp {Text(Ed25519(1))}\n", "kh");
        Assert.Empty(negationsOnly.FindEntries("web.corp"));
        Assert.Empty(negationsOnly.FindEntries("db.corp"));
    }

    [Fact]
    public void WildcardsMatchBracketedNamesAndPorts()
    {
        var file = KnownHostsFile.Parse($"[10.0.0.?]:22?? {Text(Ed25519(1))}\n[*.corp]:* {Text(Ed25519(2))}\n", "kh");
        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("10.0.0.5", 2222, Ed25519(1)).Status);
        Assert.Equal(KnownHostsStatus.Unknown, file.Lookup("10.0.0.5", 222, Ed25519(1)).Status);
        Assert.Equal(KnownHostsStatus.Unknown, file.Lookup("10.0.0.50", 2222, Ed25519(1)).Status);
        Assert.Equal(KnownHostsStatus.Trusted, file.Lookup("db.corp", 2200, Ed25519(2)).Status);

        // Port 22 is written without brackets, so a bracketed pattern does not cover it.
        Assert.Equal(KnownHostsStatus.Unknown, file.Lookup("db.corp", 22, Ed25519(2)).Status);
    }

    [Fact]
    public void HashedNamesCarryMarkersToo()
    {
        var name = KnownHostsEntry.HostName("db.corp", 2200);
        var file = KnownHostsFile.Parse(
            $"{KnownHostsHash.Create(name)} {Text(Ed25519(1))}\n@revoked {KnownHostsHash.Create(name)} {Text(Ed25519(1))}\n@cert-authority {KnownHostsHash.Create(name)} {Text(Ed25519(2))}\n",
            "kh");
        Assert.Empty(file.Warnings);
        Assert.Equal([KnownHostsMarker.None, KnownHostsMarker.Revoked, KnownHostsMarker.CertAuthority], file.FindEntries("db.corp", 2200).Select(e => e.Marker));
        Assert.Equal(KnownHostsStatus.Revoked, file.Lookup("DB.corp", 2200, Ed25519(1)).Status);
        Assert.Empty(file.FindEntries("db.corp", 22));
    }

    [Fact]
    public void CommentsBlankLinesAndCrLfAreIgnored()
    {
        var file = KnownHostsFile.Parse($"\r\n   \r\n\t# indented comment\r\nhost {Text(Ed25519(1))} comment with spaces\r\n#host {Text(Ed25519(2))}\r\n", "kh");
        Assert.Empty(file.Warnings);
        var entry = Assert.Single(file.Entries);
        Assert.Equal(4, entry.LineNumber);
        Assert.Equal("comment with spaces", entry.Comment);
    }

    [Fact]
    public void PreferredAlgorithmsPutCertificatesFirstOnlyUnderACertAuthority()
    {
        var file = KnownHostsFile.Parse($"@cert-authority *.corp {Text(Ed25519(1))}\nweb.corp {Text(Ecdsa)}\n@revoked * {Text(Rsa)}\n", "kh");

        var corp = KnownHostsLookup.PreferredHostKeyAlgorithms([file], "web.corp", 22)!;
        Assert.Equal([.. AlgorithmRegistry.CertificateHostKeyAlgorithms, "ecdsa-sha2-nistp256"], corp.Take(AlgorithmRegistry.CertificateHostKeyAlgorithms.Count + 1));
        Assert.Equal(AlgorithmRegistry.DefaultHostKeyAlgorithms.Count + AlgorithmRegistry.CertificateHostKeyAlgorithms.Count, corp.Distinct().Count());

        // Neither "*.corp" nor "web.corp" covers "[web.corp]:2200": known_hosts says nothing about it.
        Assert.Null(KnownHostsLookup.PreferredHostKeyAlgorithms([file], "web.corp", 2200));

        // A @revoked line is no reason to prefer a key type; nothing known keeps the caller's defaults.
        Assert.Null(KnownHostsLookup.PreferredHostKeyAlgorithms([file], "elsewhere.example", 22));
    }
}
