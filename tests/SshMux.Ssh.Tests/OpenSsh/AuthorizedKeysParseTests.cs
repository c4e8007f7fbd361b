using SshMux.Ssh.OpenSsh;
using static SshMux.Ssh.Tests.OpenSsh.OpenSshTestKeys;

namespace SshMux.Ssh.Tests.OpenSsh;

/// <summary>
/// authorized_keys parsing (sshd(8) AUTHORIZED_KEYS FILE FORMAT, auth-options.c). The first test
/// is the man page's example file with real keys in place of "...".
/// </summary>
public class AuthorizedKeysParseTests
{
    [Fact]
    public void ManPageExampleFile()
    {
        var rsa = Text(Rsa);
        var text = $"""
            # Comments are allowed at start of line. Blank lines are allowed.
            # Plain key, no restrictions
            {rsa}
            # Forced command, disable PTY and all forwarding
            restrict,command="dump /home" {rsa}
            # Restriction of ssh -L forwarding destinations
            permitopen="192.0.2.1:80",permitopen="192.0.2.2:25" {rsa}
            # Restriction of ssh -R forwarding listeners
            permitlisten="localhost:8080",permitlisten="[::1]:22000" {rsa}
            # Configuration for tunnel forwarding
            tunnel="0",command="sh /etc/netstart tun0" {rsa}
            # Override of restriction to allow PTY allocation
            restrict,pty,command="nethack" {rsa}
            # Allow FIDO key without requiring touch
            no-touch-required sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20=

            # Require user-verification (e.g. PIN or biometric) for FIDO key
            verify-required sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20=
            # Trust CA key, allow touch-less FIDO if requested in certificate
            cert-authority,no-touch-required,principals="user_a" {rsa}
            """;
        var file = AuthorizedKeysFile.Parse(text, "/home/u/.ssh/authorized_keys", strict: true);

        Assert.Equal([3, 5, 7, 9, 11, 13, 20], file.Entries.Select(e => e.LineNumber));
        Assert.All(file.Entries, e => Assert.Equal(Rsa, e.Key));

        var plain = file.Entries[0].Options;
        Assert.Equal(AuthorizedKeyOptions.None, plain);
        Assert.True(plain.Pty && plain.PortForwarding && plain.AgentForwarding && plain.X11Forwarding && plain.UserRc);

        var forced = file.Entries[1].Options;
        Assert.True(forced.Restrict);
        Assert.Equal("dump /home", forced.Command);
        Assert.False(forced.Pty || forced.PortForwarding || forced.AgentForwarding || forced.X11Forwarding || forced.UserRc);

        Assert.Equal(["192.0.2.1:80", "192.0.2.2:25"], file.Entries[2].Options.PermitOpen);
        Assert.Equal(["localhost:8080", "[::1]:22000"], file.Entries[3].Options.PermitListen);
        Assert.Equal((0, "sh /etc/netstart tun0"), (file.Entries[4].Options.TunnelDevice!.Value, file.Entries[4].Options.Command));

        var nethack = file.Entries[5].Options;
        Assert.True(nethack.Restrict && nethack.Pty);
        Assert.False(nethack.PortForwarding || nethack.AgentForwarding || nethack.X11Forwarding || nethack.UserRc);
        Assert.Equal("nethack", nethack.Command);

        var ca = file.Entries[6].Options;
        Assert.True(ca.CertAuthority && ca.NoTouchRequired);
        Assert.Equal("user_a", ca.Principals);

        // The FIDO keys are of a type this layer does not implement: skipped, with the line named.
        Assert.Equal(["/home/u/.ssh/authorized_keys:15", "/home/u/.ssh/authorized_keys:18"],
            file.Warnings.Select(w => $"{w.FileName}:{w.LineNumber}"));
        Assert.All(file.Warnings, w => Assert.Contains("sk-ecdsa-sha2-nistp256@openssh.com", w.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void QuotedValuesKeepSpacesCommasAndEscapedQuotes()
    {
        var line = $"command=\"echo \\\"hello, world\\\" a\\\\b\",from=\"*.example.com,!pc.example.com\" {Text(Ed25519(1))} my laptop key";
        var entry = Assert.Single(AuthorizedKeysFile.Parse(line, strict: true).Entries);
        Assert.Equal("echo \"hello, world\" a\\\\b", entry.Options.Command);
        Assert.Equal("*.example.com,!pc.example.com", entry.Options.From);
        Assert.Equal("my laptop key", entry.Comment);
        Assert.Equal(Ed25519(1), entry.Key);
        Assert.Equal(line, entry.Line);
    }

    [Fact]
    public void OptionNamesAreCaseInsensitiveAndFlagsCanBeNegatedOrRestored()
    {
        var entry = Assert.Single(AuthorizedKeysFile.Parse($"NO-PTY,No-Agent-Forwarding,no-X11-forwarding,Command=\"x\",no-user-rc,no-port-forwarding {Text(Ed25519(1))}", strict: true).Entries);
        Assert.False(entry.Options.Pty || entry.Options.AgentForwarding || entry.Options.X11Forwarding || entry.Options.UserRc || entry.Options.PortForwarding);
        Assert.Equal("x", entry.Options.Command);

        var restored = Assert.Single(AuthorizedKeysFile.Parse($"restrict,port-forwarding,agent-forwarding,X11-forwarding,user-rc {Text(Ed25519(1))}", strict: true).Entries).Options;
        Assert.True(restored.PortForwarding && restored.AgentForwarding && restored.X11Forwarding && restored.UserRc);
        Assert.False(restored.Pty);
    }

    [Fact]
    public void EnvironmentKeepsTheFirstValuePerName()
    {
        var options = Assert.Single(AuthorizedKeysFile.Parse(
            $"environment=\"A=1\",environment=\"B_2=two words\",environment=\"A=ignored\" {Text(Ed25519(1))}", strict: true).Entries).Options;
        Assert.Equal(["A=1", "B_2=two words"], options.Environment);
    }

    [Theory]
    [InlineData("20300101Z", "2030-01-01T00:00:00+00:00")]
    [InlineData("203001011230Z", "2030-01-01T12:30:00+00:00")]
    [InlineData("20300101123045UTC", "2030-01-01T12:30:45+00:00")]
    [InlineData("20300101123045z", "2030-01-01T12:30:45+00:00")]
    public void ExpiryTimeFormats(string value, string expected)
    {
        var options = Assert.Single(AuthorizedKeysFile.Parse($"expiry-time=\"{value}\" {Text(Ed25519(1))}", strict: true).Entries).Options;
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), options.ExpiryTime);
    }

    [Fact]
    public void ExpiryTimeWithoutZoneIsLocalAndTheEarliestWins()
    {
        var local = Assert.Single(AuthorizedKeysFile.Parse($"expiry-time=\"203001021200\" {Text(Ed25519(1))}", strict: true).Entries).Options;
        Assert.Equal(new DateTimeOffset(new DateTime(2030, 1, 2, 12, 0, 0, DateTimeKind.Local)), local.ExpiryTime);

        var both = Assert.Single(AuthorizedKeysFile.Parse($"expiry-time=\"20310101Z\",expiry-time=\"20300101Z\",expiry-time=\"20320101Z\" {Text(Ed25519(1))}", strict: true).Entries).Options;
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), both.ExpiryTime);
    }

    [Fact]
    public void PermitListenBarePortAndTunnelAny()
    {
        var options = Assert.Single(AuthorizedKeysFile.Parse($"permitlisten=\"8080\",permitopen=\"host:*\",tunnel=\"any\" {Text(Ed25519(1))}", strict: true).Entries).Options;
        Assert.Equal(["*:8080"], options.PermitListen);
        Assert.Equal(["host:*"], options.PermitOpen);
        Assert.Equal(AuthorizedKeyOptions.AnyTunnelDevice, options.TunnelDevice);
    }

    public static TheoryData<string, string> MalformedLines()
    {
        var key = Text(Ed25519(1));
        return new TheoryData<string, string>
        {
            { $"command=\"unterminated {key}", "unterminated quote" },
            { $"bogus-option {key}", "unknown key option" },
            { $"no-pty,bogus {key}", "unknown key option" },
            { $"no-pty, {key}", "unexpected end-of-options" },
            { $"command=unquoted {key}", "missing start quote" },
            { $"command=\"a\",command=\"b\" {key}", "multiple \"command\" clauses" },
            { $"from=\"a\",from=\"b\" {key}", "multiple \"from\" clauses" },
            { $"principals=\"a\",principals=\"b\" {key}", "multiple \"principals\" clauses" },
            { $"environment=\"1=x\",environment=\"BAD NAME=x\" {key}", "invalid environment string" },
            { $"environment=\"NOEQUALS\" {key}", "invalid environment string" },
            { $"permitopen=\"host\" {key}", "invalid permission port" },
            { $"permitopen=\"host:0\" {key}", "invalid permission port" },
            { $"permitopen=\"host:65536\" {key}", "invalid permission port" },
            { $"permitopen=\"[::1:22\" {key}", "invalid permission hostname" },
            { $"tunnel=\"tun0\" {key}", "invalid tun device" },
            { $"expiry-time=\"2030\" {key}", "invalid expires time" },
            { $"expiry-time=\"20301301\" {key}", "invalid expires time" },
            { "ssh-ed25519 !!!notbase64", "not valid base64" },
            { $"ssh-ed25519 {Convert.ToBase64String(Rsa.Blob.Span)}", "the line says ssh-ed25519 but the data is ssh-rsa" },
            { "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==", "ssh-ed25519" },
            { "restrict", "no key" },
            { "restrict not-a-key", "no key after the options" },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedLines))]
    public void MalformedLinesAreSkippedWithTheirLineNamedAndTheRestIsUsed(string badLine, string expectedMessage)
    {
        var text = $"{Text(Ed25519(2))}\n# comment\n{badLine}\n{Text(Ed25519(3))}\n";
        var file = AuthorizedKeysFile.Parse(text, "keys");
        Assert.Equal([Ed25519(2), Ed25519(3)], file.Entries.Select(e => e.Key));
        var warning = Assert.Single(file.Warnings);
        Assert.Equal(("keys", 3), (warning.FileName, warning.LineNumber));
        Assert.Contains(expectedMessage, warning.Message, StringComparison.Ordinal);
        Assert.StartsWith("keys:3: ", warning.ToString(), StringComparison.Ordinal);

        var e = Assert.Throws<FormatException>(() => AuthorizedKeysFile.Parse(text, "keys", strict: true));
        Assert.StartsWith("keys:3: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedKeyTypesAreWarningsEvenInStrictMode()
    {
        // A blob that names its own type marks an unknown type; ssh-dss is known to OpenSSH but not implemented here.
        var custom = "AAAAFnNzaC1mdXR1cmVAZXhhbXBsZS5jb20AAAAEAQIDBA==";
        var text = $"ssh-future@example.com {custom} new\nno-pty ssh-dss AAAAB3NzaC1kc3MAAACBAP\n{Text(Ed25519(1))}";
        var file = AuthorizedKeysFile.Parse(text, "keys", strict: true);
        Assert.Equal(Ed25519(1), Assert.Single(file.Entries).Key);
        Assert.Equal([1, 2], file.Warnings.Select(w => w.LineNumber));
        Assert.Contains("ssh-future@example.com", file.Warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("ssh-dss", file.Warnings[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BlankLinesCommentsIndentationAndCrLf()
    {
        var text = $"\r\n   \t\r\n  # indented comment\r\n\t {Text(Ed25519(1))} comment with  spaces \r\n#{Text(Ed25519(2))}\r\n";
        var file = AuthorizedKeysFile.Parse(text, strict: true);
        var entry = Assert.Single(file.Entries);
        Assert.Equal((4, "comment with  spaces"), (entry.LineNumber, entry.Comment));
        Assert.Empty(file.Warnings);
    }

    [Fact]
    public void KeyTypesOfEveryKindAndCertificateLines()
    {
        var certificate = new Certificates.TestCertificateBuilder(
            Support.TestKeys.ForKeyType("ssh-ed25519"), Support.TestKeys.ForKeyType("ecdsa-sha2-nistp384")).Decode();
        var text = string.Join('\n', Support.TestKeys.All.Select(k => "no-pty " + k.PublicKey.ToOpenSshString("c"))) + "\n" + certificate.ToOpenSshString();
        var file = AuthorizedKeysFile.Parse(text, strict: true);
        Assert.Equal(Support.TestKeys.All.Select(k => k.PublicKey), file.Entries.Take(5).Select(e => e.Key));
        var certificateEntry = file.Entries[5];
        Assert.Null(certificateEntry.Key);
        Assert.Equal(certificate, certificateEntry.Certificate);
        Assert.Equal(certificate.KeyType, certificateEntry.KeyType);
    }

    [Fact]
    public void LoadReadsAFileAndAMissingFileHasNoKeys()
    {
        var path = Path.Combine(Path.GetTempPath(), "sshmux-ak-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, Text(Ed25519(1)) + "\nbogus\n");
        try
        {
            var file = AuthorizedKeysFile.Load(path);
            Assert.Equal(path, file.FileName);
            Assert.Single(file.Entries);
            Assert.Equal(path, Assert.Single(file.Warnings).FileName);
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Empty(AuthorizedKeysFile.Load(path).Entries);
    }
}
