using System.Net;
using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Tests.Certificates;
using SshMux.Ssh.Tests.Keys;
using static SshMux.Ssh.Tests.OpenSsh.OpenSshTestKeys;

namespace SshMux.Ssh.Tests.OpenSsh;

/// <summary>Matching presented keys and certificates against authorized_keys (auth2-pubkeyfile.c).</summary>
public class AuthorizedKeysMatchTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 15, 12, 0, 0, TimeSpan.Zero);

    private static AuthorizedKeysContext Context(string address = "192.0.2.10", string? hostName = null) => new()
    {
        UserName = "alice",
        ClientAddress = IPAddress.Parse(address),
        ClientHostName = hostName,
        Now = Now,
    };

    [Fact]
    public void PlainKeyMatchesItsLineOnly()
    {
        var file = AuthorizedKeysFile.Parse($"{Text(Ed25519(1))} one\n{Text(Ed25519(2))} two\n", "ak");
        var match = file.Match(Ed25519(2), Context());
        Assert.True(match.IsAuthorized);
        Assert.Equal(2, match.Entry!.LineNumber);
        Assert.Equal("authorized by ak:2", match.ToString());
        Assert.True(match.Restrictions!.Pty);

        var none = file.Match(Ed25519(3), Context());
        Assert.False(none.IsAuthorized);
        Assert.Null(none.Restrictions);
        Assert.Equal($"no entry for ssh-ed25519 key {Ed25519(3).GetSha256Fingerprint()}", none.Reason);
    }

    [Theory]
    [InlineData("192.0.2.10", null, true)]
    [InlineData("192.0.2.200", null, true)]
    [InlineData("198.51.100.1", null, false)]
    [InlineData("198.51.100.1", "pc1.sales.example.net", true)]
    [InlineData("198.51.100.1", "pc.sales.example.net", false)]
    [InlineData("192.0.2.66", null, false)]
    [InlineData("2001:db8::5", null, true)]
    [InlineData("::ffff:192.0.2.10", null, true)]
    public void FromRestrictsByAddressAndHostName(string address, string? host, bool authorized)
    {
        var file = AuthorizedKeysFile.Parse($"from=\"192.0.2.0/24,!192.0.2.66,2001:db8::/32,*.sales.example.net,!pc.sales.example.net\" {Text(Ed25519(1))}", "ak");
        var match = file.Match(Ed25519(1), Context(address, host));
        Assert.Equal(authorized, match.IsAuthorized);
        if (!authorized)
        {
            var rejection = Assert.Single(match.Rejections);
            Assert.Equal(1, rejection.Entry.LineNumber);
            Assert.Contains("does not match the client", rejection.Reason, StringComparison.Ordinal);
            Assert.StartsWith("ak:1: from=", match.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FromWithoutAClientAddressOrWithABadListRefuses()
    {
        var file = AuthorizedKeysFile.Parse($"from=\"*\" {Text(Ed25519(1))}\nfrom=\"10.0.0.1/8\" {Text(Ed25519(2))}");
        Assert.True(file.Match(Ed25519(1), Context()).IsAuthorized);
        Assert.Contains("no client address", file.Match(Ed25519(1), Context() with { ClientAddress = null }).Reason, StringComparison.Ordinal);
        Assert.Contains("invalid from= pattern list", file.Match(Ed25519(2), Context()).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ARefusingEntryLetsALaterEntryForTheSameKeyDecide()
    {
        var key = Text(Ed25519(1));
        var file = AuthorizedKeysFile.Parse($"from=\"10.0.0.0/8\" {key}\nexpiry-time=\"20200101Z\" {key}\nrestrict,pty {key}\n", "ak");
        var match = file.Match(Ed25519(1), Context());
        Assert.True(match.IsAuthorized);
        Assert.Equal(3, match.Entry!.LineNumber);
        Assert.Equal([1, 2], match.Rejections.Select(r => r.Entry.LineNumber));
        Assert.Equal("entry expired at 2020-01-01T00:00:00Z", match.Rejections[1].Reason);
        Assert.True(match.Restrictions!.Pty);
        Assert.False(match.Restrictions.PortForwarding || match.Restrictions.AgentForwarding || match.Restrictions.X11Forwarding || match.Restrictions.UserRc);
    }

    [Fact]
    public void ExpiryTimeIsExclusiveOfTheSecondItNames()
    {
        var file = AuthorizedKeysFile.Parse($"expiry-time=\"20300115120000Z\" {Text(Ed25519(1))}");
        Assert.True(file.Match(Ed25519(1), Context()).IsAuthorized);
        Assert.False(file.Match(Ed25519(1), Context() with { Now = Now.AddSeconds(1) }).IsAuthorized);
    }

    [Fact]
    public void CertAuthorityAndPrincipalsLinesDoNotAuthorisePlainKeys()
    {
        var file = AuthorizedKeysFile.Parse($"cert-authority {Text(Ed25519(1))}\nprincipals=\"alice\" {Text(Ed25519(2))}");
        Assert.Contains("cert-authority", file.Match(Ed25519(1), Context()).Reason, StringComparison.Ordinal);
        Assert.Contains("principals= on a key that is not a cert-authority", file.Match(Ed25519(2), Context()).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void EnvironmentIsHonouredOnlyWhenPermitted()
    {
        var file = AuthorizedKeysFile.Parse($"environment=\"LANG=C\",environment=\"PATH=/opt\",command=\"run\" {Text(Ed25519(1))}");
        Assert.Empty(file.Match(Ed25519(1), Context()).Restrictions!.Environment);
        Assert.Equal(["LANG=C", "PATH=/opt"], file.Match(Ed25519(1), Context() with { PermitUserEnvironment = true }).Restrictions!.Environment);
        var filtered = file.Match(Ed25519(1), Context() with { PermitUserEnvironment = true, PermitUserEnvironmentPattern = "LANG,LC_*" });
        Assert.Equal(["LANG=C"], filtered.Restrictions!.Environment);
        Assert.Equal("run", filtered.Restrictions.Command);
    }

    private static string CaLine(string options) => $"{options} {KeygenCertificates.PublicKey("ca_ecdsa256").ToOpenSshString("the CA")}";

    private static SshCertificate UserCertificate(params string[] extra) =>
        KeygenCertificates.SignAndLoad("user_ed25519", "ca_ecdsa256", ["-V", "20300101Z:20300201Z", .. extra]);

    [SshKeygenFact]
    public void CertificateIsAuthorisedByItsCaForAListedPrincipal()
    {
        var certificate = UserCertificate("-n", "alice,bob");
        var file = AuthorizedKeysFile.Parse($"{Text(certificate.PublicKey)}\n{CaLine("cert-authority")}\n", "ak");
        var match = file.Match(certificate, Context());
        Assert.True(match.IsAuthorized, match.Reason);
        Assert.Equal(2, match.Entry!.LineNumber);
        Assert.True(match.Restrictions!.Pty && match.Restrictions.PortForwarding);

        // The same plain key is listed, but a certificate is only ever checked against CA lines, and vice versa.
        Assert.True(file.Match(certificate.PublicKey, Context()).IsAuthorized);
        Assert.False(AuthorizedKeysFile.Parse(Text(certificate.PublicKey)).Match(certificate, Context()).IsAuthorized);

        var carol = file.Match(certificate, Context() with { UserName = "carol" });
        Assert.False(carol.IsAuthorized);
        Assert.Equal("ak:2: principal 'carol' not in certificate", carol.Reason);
    }

    [SshKeygenFact]
    public void CertificateFromAnotherCaIsNotAuthorised()
    {
        var certificate = KeygenCertificates.SignAndLoad("user_ed25519", "other_ecdsa256", "-n", "alice");
        var match = AuthorizedKeysFile.Parse(CaLine("cert-authority")).Match(certificate, Context());
        Assert.False(match.IsAuthorized);
        Assert.Empty(match.Rejections);
        Assert.StartsWith("no cert-authority entry for CA ecdsa-sha2-nistp256", match.Reason, StringComparison.Ordinal);
    }

    [SshKeygenFact]
    public void PrincipalsOptionReplacesTheUserName()
    {
        var certificate = UserCertificate("-n", "deploy,ops");
        var file = AuthorizedKeysFile.Parse(CaLine("cert-authority,principals=\"ops,admin\""));
        Assert.True(file.Match(certificate, Context() with { UserName = "somebody" }).IsAuthorized);

        var other = AuthorizedKeysFile.Parse(CaLine("cert-authority,principals=\"admin,root\""));
        Assert.Contains("does not contain an authorized principal", other.Match(certificate, Context()).Reason, StringComparison.Ordinal);

        // An empty entry ends the list (match_principals_option stops there).
        Assert.False(AuthorizedKeysFile.Parse(CaLine("cert-authority,principals=\"admin,,ops\"")).Match(certificate, Context()).IsAuthorized);
    }

    [SshKeygenFact]
    public void CertificateChecksStillApply()
    {
        var file = AuthorizedKeysFile.Parse(CaLine("cert-authority"));
        var expired = UserCertificate("-n", "alice");
        Assert.Contains("expired", file.Match(expired, Context() with { Now = new DateTimeOffset(2030, 3, 1, 0, 0, 0, TimeSpan.Zero) }).Reason, StringComparison.Ordinal);

        var host = KeygenCertificates.SignAndLoad("user_ed25519", "ca_ecdsa256", "-h", "-n", "alice");
        Assert.Contains("host certificate", file.Match(host, Context()).Reason, StringComparison.Ordinal);

        var sourced = UserCertificate("-n", "alice", "-O", "source-address=192.0.2.0/28");
        Assert.True(file.Match(sourced, Context("192.0.2.10")).IsAuthorized);
        var elsewhere = file.Match(sourced, Context("192.0.2.100"));
        Assert.Contains("source-address", elsewhere.Reason, StringComparison.Ordinal);

        var unnamed = UserCertificate();
        Assert.Contains("no principals", file.Match(unnamed, Context()).Reason, StringComparison.Ordinal);
        Assert.True(file.Match(unnamed, Context() with { AllowEmptyCertificatePrincipals = true }).IsAuthorized);

        var entryFrom = AuthorizedKeysFile.Parse(CaLine("cert-authority,from=\"10.0.0.0/8\""));
        Assert.Contains("from=", entryFrom.Match(UserCertificate("-n", "alice"), Context()).Reason, StringComparison.Ordinal);
    }

    [SshKeygenFact]
    public void EntryAndCertificateOptionsMerge()
    {
        var plain = UserCertificate("-n", "alice");
        var restricted = AuthorizedKeysFile.Parse(CaLine("cert-authority,restrict,pty")).Match(plain, Context()).Restrictions!;
        Assert.True(restricted.Pty);
        Assert.False(restricted.PortForwarding || restricted.AgentForwarding || restricted.X11Forwarding || restricted.UserRc);

        var noPty = UserCertificate("-n", "alice", "-O", "no-pty", "-O", "force-command=backup", "-O", "source-address=192.0.2.0/24");
        var merged = AuthorizedKeysFile.Parse(CaLine("cert-authority")).Match(noPty, Context()).Restrictions!;
        Assert.False(merged.Pty);
        Assert.True(merged.PortForwarding);
        Assert.Equal("backup", merged.Command);
        Assert.Equal("192.0.2.0/24", merged.SourceAddress);

        Assert.True(AuthorizedKeysFile.Parse(CaLine("cert-authority,command=\"backup\"")).Match(noPty, Context()).IsAuthorized);
        var conflict = AuthorizedKeysFile.Parse(CaLine("cert-authority,command=\"restore\"")).Match(noPty, Context());
        Assert.Contains("forced command options do not match", conflict.Reason, StringComparison.Ordinal);
    }
}
