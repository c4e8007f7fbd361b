using System.Collections.Concurrent;
using System.Net;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Tests.Certificates;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Tests.Auth;

/// <summary>
/// <see cref="AuthorizedKeysAuthenticator"/>: every authorized_keys option and certificate rule
/// it applies, each checked both ways (a case it must accept beside one it must refuse), so an
/// authenticator that refused everything, or accepted everything, fails.
/// </summary>
public sealed class AuthorizedKeysAuthenticatorTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2030, 1, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");

    private readonly string _directory = Directory.CreateTempSubdirectory("sshmux-akauth-").FullName;
    private readonly FixedTime _clock = new(Now);
    private readonly ConcurrentQueue<string> _log = new();
    private readonly SshPrivateKey _user = SshPrivateKey.Generate("ssh-ed25519");
    private readonly SshPrivateKey _other = SshPrivateKey.Generate("ssh-ed25519");
    private readonly SshPrivateKey _ca = SshPrivateKey.Generate("ssh-ed25519");
    private readonly SshPrivateKey _otherCa = SshPrivateKey.Generate("ssh-ed25519");

    private string FilePath => Path.Combine(_directory, "authorized_keys");

    public void Dispose()
    {
        _user.Dispose();
        _other.Dispose();
        _ca.Dispose();
        _otherCa.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private AuthorizedKeysAuthenticator Authenticator(string fileText, IPAddress? client = null, Func<AuthorizedKeysAuthenticatorOptions, AuthorizedKeysAuthenticatorOptions>? configure = null)
    {
        File.WriteAllText(FilePath, fileText);
        var options = new AuthorizedKeysAuthenticatorOptions
        {
            AuthorizedKeysPath = FilePath,
            TimeProvider = _clock,
            Log = (level, message) => _log.Enqueue($"{level}: {message}"),
        };
        return new AuthorizedKeysAuthenticator(configure?.Invoke(options) ?? options, client ?? Client);
    }

    private static string Line(string options, SshPrivateKey key) => (options.Length == 0 ? string.Empty : options + " ") + key.PublicKey.ToOpenSshString("test");

    private static ServerAuthContext Context(string user) => new(user, [], null!);

    private static async Task<PublicKeyDecision> CheckAsync(AuthorizedKeysAuthenticator authenticator, SshPrivateKey key, string user = "alice", bool signed = true) =>
        await authenticator.CheckPublicKeyAsync(Context(user), new PublicKeyRequest(key.PublicKey.SignatureAlgorithms[0], key.PublicKey.Blob, key.PublicKey, signed), default);

    private static async Task<PublicKeyDecision> CheckAsync(AuthorizedKeysAuthenticator authenticator, byte[] certificate, string user = "alice", string? algorithm = null)
    {
        var decoded = SshCertificate.FromBlob(certificate);
        algorithm ??= SshCertificateAlgorithms.AlgorithmName(decoded.KeyType, decoded.PublicKey.SignatureAlgorithms[0]);
        return await authenticator.CheckPublicKeyAsync(Context(user), new PublicKeyRequest(algorithm, certificate, null, true), default);
    }

    private TestCertificateBuilder Certificate(SshPrivateKey? ca = null, params string[] principals)
    {
        var builder = new TestCertificateBuilder(_user, ca ?? _ca)
        {
            ValidAfter = (ulong)Now.AddDays(-1).ToUnixTimeSeconds(),
            ValidBefore = (ulong)Now.AddDays(1).ToUnixTimeSeconds(),
        };
        builder.Principals.Clear();
        builder.Principals.AddRange((principals.Length == 0 ? ["alice"] : principals).Select(System.Text.Encoding.UTF8.GetBytes));
        return builder;
    }

    /// <summary>PROTOCOL.certkeys: options and extensions are sorted by name (the decoder insists, as OpenSSH does).</summary>
    private static TestCertificateBuilder Sorted(TestCertificateBuilder builder)
    {
        builder.Critical.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        builder.Extensions.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return builder;
    }

    private static void Accepted(PublicKeyDecision decision) => Assert.Equal(AuthOutcome.Success, decision.Outcome);

    private static void Refused(PublicKeyDecision decision)
    {
        Assert.Equal(AuthOutcome.Failure, decision.Outcome);
        Assert.Null(decision.Restrictions);
    }

    [Fact]
    public async Task ListedKeyIsAcceptedAndOthersAreNot()
    {
        var authenticator = Authenticator(Line("", _user) + "\n");

        var accepted = await CheckAsync(authenticator, _user);
        Accepted(accepted);
        Assert.Null(accepted.SigningKey);
        Assert.True(accepted.Restrictions!.Pty);
        Assert.True(accepted.Restrictions.PortForwarding);
        Assert.Null(accepted.Restrictions.Command);
        Refused(await CheckAsync(authenticator, _other));
        Assert.Contains(_log, l => l.Contains($"authorised by {FilePath}:1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheFileIsReadAgainOnEveryAttempt()
    {
        var authenticator = Authenticator(Line("", _other) + "\n");
        Refused(await CheckAsync(authenticator, _user));

        await File.AppendAllTextAsync(FilePath, Line("no-pty", _user) + "\n");
        var added = await CheckAsync(authenticator, _user);
        Accepted(added);
        Assert.False(added.Restrictions!.Pty);

        await File.WriteAllTextAsync(FilePath, Line("", _other) + "\n");
        Refused(await CheckAsync(authenticator, _user));

        File.Delete(FilePath);
        Refused(await CheckAsync(authenticator, _other));
    }

    [Fact]
    public async Task EveryUserIsOfferedPublickeyAndTheSameKeysWhetherOrNotTheUserExists()
    {
        var authenticator = Authenticator(Line("", _user) + "\n");
        foreach (var user in new[] { "alice", "root", "no-such-user-" + Guid.NewGuid().ToString("N") })
        {
            Assert.Equal([SshAuthMethods.PublicKey], await authenticator.GetMethodsAsync(Context(user), default));
            Accepted(await CheckAsync(authenticator, _user, user));
            Refused(await CheckAsync(authenticator, _other, user));
        }

        Assert.Equal(AuthOutcome.Failure, await authenticator.CheckPasswordAsync(Context("alice"), "secret"u8.ToArray(), default));
        Assert.Null(await authenticator.BeginKeyboardInteractiveAsync(Context("alice"), string.Empty, default));
    }

    [Theory]
    [InlineData("192.0.2.10", true)]
    [InlineData("::ffff:192.0.2.10", true)]
    [InlineData("192.0.2.66", false)]
    [InlineData("198.51.100.1", false)]
    public async Task FromIsCheckedAgainstTheClientAddress(string address, bool accepted)
    {
        var authenticator = Authenticator(Line("from=\"192.0.2.0/24,!192.0.2.66\"", _user) + "\n", IPAddress.Parse(address));
        var decision = await CheckAsync(authenticator, _user);
        Assert.Equal(accepted ? AuthOutcome.Success : AuthOutcome.Failure, decision.Outcome);
        if (accepted)
        {
            Assert.Equal("192.0.2.0/24,!192.0.2.66", decision.Restrictions!.From);
        }
        else
        {
            Assert.Contains(_log, l => l.StartsWith("Info: ", StringComparison.Ordinal) && l.Contains("does not match the client", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task FromRefusesWhenNoClientAddressIsKnown()
    {
        File.WriteAllText(FilePath, Line("from=\"192.0.2.0/24\"", _user) + "\n" + Line("", _other) + "\n");
        var unknown = new AuthorizedKeysAuthenticator(new AuthorizedKeysAuthenticatorOptions { AuthorizedKeysPath = FilePath, TimeProvider = _clock });
        Refused(await CheckAsync(unknown, _user));
        Accepted(await CheckAsync(unknown, _other));
        Accepted(await CheckAsync(unknown.ForClient(Client), _user));
    }

    [Fact]
    public async Task ExpiryTimeRefusesTheEntryOnceItHasPassed()
    {
        var authenticator = Authenticator(Line("expiry-time=\"20300116Z\"", _user) + "\n");
        var before = await CheckAsync(authenticator, _user);
        Accepted(before);
        Assert.Equal(new DateTimeOffset(2030, 1, 16, 0, 0, 0, TimeSpan.Zero), before.Restrictions!.ExpiryTime);

        _clock.Now = new DateTimeOffset(2030, 1, 16, 0, 0, 1, TimeSpan.Zero);
        Refused(await CheckAsync(authenticator, _user));
        Assert.Contains(_log, l => l.Contains("entry expired at 2030-01-16T00:00:00Z", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnExpiredEntryLetsALaterEntryForTheSameKeyDecide()
    {
        var authenticator = Authenticator(Line("expiry-time=\"20200101Z\"", _user) + "\n" + Line("no-pty", _user) + "\n");
        var decision = await CheckAsync(authenticator, _user);
        Accepted(decision);
        Assert.False(decision.Restrictions!.Pty);
    }

    [Fact]
    public async Task SessionOptionsBecomeTheRestrictions()
    {
        var authenticator = Authenticator(
            Line("no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command=\"echo forced\"", _user) + "\n" + Line("", _other) + "\n");

        var restricted = (await CheckAsync(authenticator, _user)).Restrictions!;
        Assert.False(restricted.Pty);
        Assert.False(restricted.PortForwarding);
        Assert.False(restricted.AgentForwarding);
        Assert.False(restricted.X11Forwarding);
        Assert.Equal("echo forced", restricted.Command);

        var free = (await CheckAsync(authenticator, _other)).Restrictions!;
        Assert.True(free.Pty);
        Assert.True(free.PortForwarding);
        Assert.True(free.AgentForwarding);
        Assert.True(free.X11Forwarding);
        Assert.Null(free.Command);
    }

    [Fact]
    public async Task RestrictTurnsEverythingOffAndPositiveOptionsTurnSingleOnesBack()
    {
        var authenticator = Authenticator(Line("restrict,pty,permitopen=\"db.example:5432\",permitopen=\"[2001:db8::1]:*\"", _user) + "\n" + Line("restrict", _other) + "\n");

        var some = (await CheckAsync(authenticator, _user)).Restrictions!;
        Assert.True(some.Pty);
        Assert.False(some.PortForwarding);
        Assert.Equal(["db.example:5432", "[2001:db8::1]:*"], some.PermitOpen);

        var none = (await CheckAsync(authenticator, _other)).Restrictions!;
        Assert.False(none.Pty);
        Assert.False(none.PortForwarding);
        Assert.Empty(none.PermitOpen);
    }

    [Fact]
    public async Task EnvironmentIsIgnoredUnlessPermitted()
    {
        const string Options = "environment=\"DEPLOY_ENV=prod\",environment=\"OTHER=1\"";
        var off = Authenticator(Line(Options, _user) + "\n");
        Assert.Empty((await CheckAsync(off, _user)).Restrictions!.Environment);

        var on = Authenticator(Line(Options, _user) + "\n", configure: o => o with { PermitUserEnvironment = true });
        Assert.Equal(["DEPLOY_ENV=prod", "OTHER=1"], (await CheckAsync(on, _user)).Restrictions!.Environment);

        var pattern = Authenticator(Line(Options, _user) + "\n", configure: o => o with { PermitUserEnvironment = true, PermitUserEnvironmentPattern = "DEPLOY_*" });
        Assert.Equal(["DEPLOY_ENV=prod"], (await CheckAsync(pattern, _user)).Restrictions!.Environment);
    }

    [Fact]
    public async Task CertAuthorityLineAcceptsCertificatesForTheUserOnly()
    {
        var authenticator = Authenticator(Line("cert-authority", _ca) + "\n");
        var certificate = Certificate(null, "alice", "ops").Build();

        var decision = await CheckAsync(authenticator, certificate, "alice");
        Accepted(decision);
        Assert.Equal(_user.PublicKey, decision.SigningKey);
        Accepted(await CheckAsync(authenticator, certificate, "ops"));
        Refused(await CheckAsync(authenticator, certificate, "bob"));
        Assert.Contains(_log, l => l.Contains("principal 'bob' not in certificate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CertificateOfAnotherCaIsRefused()
    {
        var authenticator = Authenticator(Line("cert-authority", _ca) + "\n");
        Accepted(await CheckAsync(authenticator, Certificate(_ca).Build()));
        Refused(await CheckAsync(authenticator, Certificate(_otherCa).Build()));
    }

    [Fact]
    public async Task CaKeyOnACertAuthorityLineDoesNotSignInAsAPlainKey()
    {
        var authenticator = Authenticator(Line("cert-authority", _ca) + "\n" + Line("", _other) + "\n");
        Refused(await CheckAsync(authenticator, _ca));
        Accepted(await CheckAsync(authenticator, _other));
    }

    [Fact]
    public async Task CertificateIsNotAcceptedBecauseItsPlainKeyIsListed()
    {
        // auth_check_authkey_line: a certificate only matches cert-authority lines.
        var authenticator = Authenticator(Line("", _user) + "\n");
        Refused(await CheckAsync(authenticator, Certificate().Build()));
        Accepted(await CheckAsync(authenticator, _user));
    }

    [Fact]
    public async Task ExpiredAndNotYetValidCertificatesAreRefused()
    {
        var authenticator = Authenticator(Line("cert-authority", _ca) + "\n");
        var valid = Certificate();
        var expired = Certificate();
        expired.ValidBefore = (ulong)Now.AddSeconds(-1).ToUnixTimeSeconds();
        var future = Certificate();
        future.ValidAfter = (ulong)Now.AddHours(1).ToUnixTimeSeconds();

        Accepted(await CheckAsync(authenticator, Sorted(valid).Build()));
        Refused(await CheckAsync(authenticator, Sorted(expired).Build()));
        Assert.Contains(_log, l => l.Contains("certificate expired at", StringComparison.Ordinal));
        Refused(await CheckAsync(authenticator, Sorted(future).Build()));
        Assert.Contains(_log, l => l.Contains("certificate is not valid before", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SourceAddressIsCheckedAgainstTheClientAddress()
    {
        var builder = Certificate();
        builder.Critical.Add(("source-address", TestCertificateBuilder.StringData("192.0.2.0/28")));
        var certificate = Sorted(builder).Build();

        var inside = Authenticator(Line("cert-authority", _ca) + "\n", IPAddress.Parse("192.0.2.10"));
        var decision = await CheckAsync(inside, certificate);
        Accepted(decision);
        Assert.Equal("192.0.2.0/28", decision.Restrictions!.SourceAddress);
        Refused(await CheckAsync(inside.ForClient(IPAddress.Parse("192.0.2.20")), certificate));
        Refused(await CheckAsync(inside.ForClient(null), certificate));
    }

    [Fact]
    public async Task UnknownCriticalOptionsAreRefusedAndUnknownExtensionsIgnored()
    {
        var authenticator = Authenticator(Line("cert-authority", _ca) + "\n");
        var critical = Certificate();
        critical.Critical.Add(("no-such-option@example.com", []));
        var extension = Certificate();
        extension.Extensions.Add(("no-such-extension@example.com", []));

        Refused(await CheckAsync(authenticator, Sorted(critical).Build()));
        Assert.Contains(_log, l => l.Contains("unsupported critical option 'no-such-option@example.com'", StringComparison.Ordinal));
        Accepted(await CheckAsync(authenticator, Sorted(extension).Build()));
    }

    [Fact]
    public async Task CertificateExtensionsGrantAndTheEntryCanOnlyTakeAway()
    {
        var authenticator = Authenticator(Line("cert-authority", _ca) + "\n");
        var ptyOnly = Certificate();
        var forwarding = Certificate();
        forwarding.Extensions.Add(("permit-port-forwarding", []));

        var a = (await CheckAsync(authenticator, Sorted(ptyOnly).Build())).Restrictions!;
        Assert.True(a.Pty);
        Assert.False(a.PortForwarding);
        Assert.False(a.AgentForwarding);
        Assert.False(a.X11Forwarding);
        Assert.True((await CheckAsync(authenticator, Sorted(forwarding).Build())).Restrictions!.PortForwarding);

        var noPty = Authenticator(Line("cert-authority,no-pty", _ca) + "\n");
        Assert.False((await CheckAsync(noPty, Sorted(ptyOnly).Build())).Restrictions!.Pty);
    }

    [Fact]
    public async Task ForceCommandBecomesTheCommandAndMustAgreeWithCommandOption()
    {
        var builder = Certificate();
        builder.Critical.Add(("force-command", TestCertificateBuilder.StringData("echo forced")));
        var certificate = Sorted(builder).Build();

        Assert.Equal("echo forced", (await CheckAsync(Authenticator(Line("cert-authority", _ca) + "\n"), certificate)).Restrictions!.Command);
        Accepted(await CheckAsync(Authenticator(Line("cert-authority,command=\"echo forced\"", _ca) + "\n"), certificate));
        Refused(await CheckAsync(Authenticator(Line("cert-authority,command=\"echo other\"", _ca) + "\n"), certificate));
        Assert.Equal("echo other", (await CheckAsync(Authenticator(Line("cert-authority,command=\"echo other\"", _ca) + "\n"), Certificate().Build())).Restrictions!.Command);
    }

    [Fact]
    public async Task PrincipalsOptionReplacesTheUserName()
    {
        var authenticator = Authenticator(Line("cert-authority,principals=\"deploy,ops\"", _ca) + "\n");
        Accepted(await CheckAsync(authenticator, Certificate(null, "ops").Build(), "alice"));
        Refused(await CheckAsync(authenticator, Certificate(null, "alice").Build(), "alice"));
    }

    [Fact]
    public async Task TrustedUserCaKeysNeedThePrincipalToEqualTheUserName()
    {
        var authenticator = Authenticator(string.Empty, configure: o => o with { TrustedUserCaKeys = [_ca.PublicKey] });
        var certificate = Certificate(null, "alice").Build();

        var decision = await CheckAsync(authenticator, certificate, "alice");
        Accepted(decision);
        Assert.Equal(_user.PublicKey, decision.SigningKey);
        Refused(await CheckAsync(authenticator, certificate, "bob"));
        Refused(await CheckAsync(authenticator, certificate, "ALICE"));
        Refused(await CheckAsync(authenticator, Certificate(_otherCa, "alice").Build(), "alice"));
        Assert.Contains(_log, l => l.Contains("accepted: signed by trusted user CA", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TrustedUserCaCertificatesCarryTheirOwnOptions()
    {
        var authenticator = Authenticator(string.Empty, configure: o => o with { TrustedUserCaKeys = [_ca.PublicKey] });
        var restricted = Certificate();
        restricted.Extensions.Clear();
        restricted.Critical.Add(("force-command", TestCertificateBuilder.StringData("uptime")));
        var open = Certificate();
        open.Extensions.AddRange([("permit-agent-forwarding", []), ("permit-port-forwarding", []), ("permit-X11-forwarding", [])]);

        var r = (await CheckAsync(authenticator, Sorted(restricted).Build())).Restrictions!;
        Assert.False(r.Pty);
        Assert.False(r.PortForwarding);
        Assert.Equal("uptime", r.Command);
        var o = (await CheckAsync(authenticator, Sorted(open).Build())).Restrictions!;
        Assert.True(o.Pty);
        Assert.True(o.PortForwarding);
        Assert.True(o.AgentForwarding);
        Assert.True(o.X11Forwarding);
        Assert.Null(o.Command);
    }

    [Fact]
    public async Task TrustedUserCaChecksTheCertificateLikeACertAuthorityLine()
    {
        var authenticator = Authenticator(string.Empty, configure: o => o with { TrustedUserCaKeys = [_ca.PublicKey] });
        var expired = Certificate();
        expired.ValidBefore = (ulong)Now.AddDays(-1).ToUnixTimeSeconds();
        var sourced = Certificate();
        sourced.Critical.Add(("source-address", TestCertificateBuilder.StringData("198.51.100.0/24")));
        var host = Certificate();
        host.Type = 2;

        Accepted(await CheckAsync(authenticator, Certificate().Build()));
        Refused(await CheckAsync(authenticator, Sorted(expired).Build()));
        Refused(await CheckAsync(authenticator, Sorted(sourced).Build()));
        Accepted(await CheckAsync(authenticator.ForClient(IPAddress.Parse("198.51.100.7")), Sorted(sourced).Build()));
        Refused(await CheckAsync(authenticator, Sorted(host).Build()));
        Assert.Contains(_log, l => l.Contains("TrustedUserCAKeys: certificate is a host certificate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuthorizedKeysStillDecideWhenTheTrustedCaRefuses()
    {
        // user_key_allowed: a TrustedUserCAKeys refusal falls through to the authorized_keys files.
        var authenticator = Authenticator(Line("cert-authority,principals=\"ops\"", _ca) + "\n", configure: o => o with { TrustedUserCaKeys = [_ca.PublicKey] });
        Accepted(await CheckAsync(authenticator, Certificate(null, "ops").Build(), "alice"));
        Refused(await CheckAsync(authenticator, Certificate(null, "dev").Build(), "alice"));
    }

    [Fact]
    public async Task RequestAlgorithmMustNameTheCertificateType()
    {
        var authenticator = Authenticator(Line("cert-authority", _ca) + "\n");
        var certificate = Certificate().Build();
        Accepted(await CheckAsync(authenticator, certificate, algorithm: "ssh-ed25519-cert-v01@openssh.com"));
        Refused(await CheckAsync(authenticator, certificate, algorithm: "ecdsa-sha2-nistp256-cert-v01@openssh.com"));
    }

    [Fact]
    public async Task MalformedCertificateIsRefused()
    {
        var authenticator = Authenticator(Line("cert-authority", _ca) + "\n");
        var good = Certificate().Build();
        var bad = (byte[])good.Clone();
        bad[^1] ^= 1;
        Accepted(await CheckAsync(authenticator, good));
        var decision = await authenticator.CheckPublicKeyAsync(Context("alice"), new PublicKeyRequest("ssh-ed25519-cert-v01@openssh.com", bad, null, true), default);
        Refused(decision);
    }

    [Fact]
    public async Task FileWarningsAreLoggedOnceNotOnEveryAttempt()
    {
        var authenticator = Authenticator("this is not a key\n" + Line("", _user) + "\n");
        Accepted(await CheckAsync(authenticator, _user));
        Accepted(await CheckAsync(authenticator, _user));
        Assert.Single(_log, l => l.StartsWith("Warning: ", StringComparison.Ordinal) && l.Contains($"{FilePath}:1", StringComparison.Ordinal));

        // A changed file with other skipped lines is reported again, once.
        await File.WriteAllTextAsync(FilePath, Line("", _user) + "\nstill not a key\n");
        Accepted(await CheckAsync(authenticator, _user));
        Accepted(await CheckAsync(authenticator, _user));
        Assert.Single(_log, l => l.StartsWith("Warning: ", StringComparison.Ordinal) && l.Contains($"{FilePath}:2", StringComparison.Ordinal));
        Assert.Equal(2, _log.Count(l => l.StartsWith("Warning: ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task CertificateSignsInOverTheProtocolAndItsRestrictionsReachTheResult()
    {
        var builder = Certificate();
        builder.Critical.Add(("force-command", TestCertificateBuilder.StringData("echo forced")));
        var certificate = Sorted(builder).Decode();
        var authenticator = Authenticator(Line("cert-authority,no-port-forwarding", _ca) + "\n");
        await using var pair = await AuthPair.StartAsync(authenticator);

        var result = await pair.AuthenticateAsync("alice", new ClientAuthOptions { Identities = [new SshCertificateIdentity(_user, certificate)] });

        Assert.Equal("ssh-ed25519", result.SignatureAlgorithm);
        var server = await pair.Server.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(_user.PublicKey, Assert.Single(server.PublicKeys));
        Assert.Equal("echo forced", server.Restrictions!.Command);
        Assert.False(server.Restrictions.PortForwarding);
        Assert.True(server.Restrictions.Pty);
    }

    [Fact]
    public async Task ExpiredCertificateIsRefusedOverTheProtocol()
    {
        var builder = Certificate();
        builder.ValidBefore = (ulong)Now.AddMinutes(-5).ToUnixTimeSeconds();
        var authenticator = Authenticator(Line("cert-authority", _ca) + "\n");
        await using var pair = await AuthPair.StartAsync(authenticator);

        await Assert.ThrowsAsync<SshAuthenticationException>(() =>
            pair.AuthenticateAsync("alice", new ClientAuthOptions { Identities = [new SshCertificateIdentity(_user, Sorted(builder).Decode())] }));
    }

    [Fact]
    public async Task PlainKeySignsInOverTheProtocolWithItsLineRestrictions()
    {
        var authenticator = Authenticator(Line("no-pty,permitopen=\"127.0.0.1:22\"", _user) + "\n");
        await using var pair = await AuthPair.StartAsync(authenticator);

        await pair.AuthenticateAsync("anyone", new ClientAuthOptions { Identities = [new PrivateKeyIdentity(_other), new PrivateKeyIdentity(_user)] });

        var server = await pair.Server.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(_user.PublicKey, Assert.Single(server.PublicKeys));
        Assert.False(server.Restrictions!.Pty);
        Assert.Equal(["127.0.0.1:22"], server.Restrictions.PermitOpen);
    }

    /// <summary>A clock the test sets.</summary>
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
