using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Tests.Support;

namespace SshMux.Ssh.Tests.Auth;

/// <summary>Restrictions of several keys that counted towards one authentication (sshauthopt_merge).</summary>
public class RestrictionMergeTests
{
    private static readonly AuthorizedKeyRestrictions Open = new()
    {
        Pty = true,
        PortForwarding = true,
        AgentForwarding = true,
        X11Forwarding = true,
        UserRc = true,
    };

    [Fact]
    public void NullIsNoRestriction()
    {
        Assert.Null(RestrictionMerge.Combine(null, null, out var none));
        Assert.Null(none);
        Assert.Same(Open, RestrictionMerge.Combine(null, Open, out _));
        Assert.Same(Open, RestrictionMerge.Combine(Open, null, out _));
    }

    [Fact]
    public void PermissionsNeedBothAndRestrictionsEither()
    {
        var merged = RestrictionMerge.Combine(Open with { Pty = false, Command = "backup" }, Open with { AgentForwarding = false, ExpiryTime = DateTimeOffset.UnixEpoch.AddDays(2) }, out var conflict)!;
        Assert.Null(conflict);
        Assert.False(merged.Pty);
        Assert.False(merged.AgentForwarding);
        Assert.True(merged.PortForwarding);
        Assert.True(merged.X11Forwarding);
        Assert.Equal("backup", merged.Command);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddDays(2), merged.ExpiryTime);

        var open = RestrictionMerge.Combine(Open, Open, out _)!;
        Assert.True(open.Pty);
        Assert.True(open.AgentForwarding);
        Assert.Null(open.Command);
    }

    [Fact]
    public void DifferentForcedCommandsConflictAndEqualOnesDoNot()
    {
        Assert.Null(RestrictionMerge.Combine(Open with { Command = "a" }, Open with { Command = "b" }, out var conflict));
        Assert.Contains("forced command", conflict, StringComparison.Ordinal);
        Assert.Equal("a", RestrictionMerge.Combine(Open with { Command = "a" }, Open with { Command = "a" }, out conflict)!.Command);
        Assert.Null(conflict);
    }

    [Fact]
    public void PermitOpenListsIntersect()
    {
        var one = Open with { PermitOpen = ["a:1", "b:2"] };
        Assert.Equal(["a:1", "b:2"], RestrictionMerge.Combine(one, Open, out _)!.PermitOpen);
        var both = RestrictionMerge.Combine(one, Open with { PermitOpen = ["b:2", "c:3"] }, out _)!;
        Assert.Equal(["b:2"], both.PermitOpen);
        Assert.True(both.PortForwarding);
        var disjoint = RestrictionMerge.Combine(one, Open with { PermitOpen = ["c:3"] }, out _)!;
        Assert.False(disjoint.PortForwarding);
    }

    [Fact]
    public async Task TwoKeysOfOneAuthenticationCombineTheirRestrictions()
    {
        using var first = SshPrivateKey.Generate("ssh-ed25519");
        using var second = SshPrivateKey.Generate("ssh-ed25519");
        var authenticator = new TestAuthenticator
        {
            Methods = context => [SshAuthMethods.PublicKey],
            PublicKey = (context, request) =>
                request.PublicKey == first.PublicKey ? new PublicKeyDecision(AuthOutcome.PartialSuccess, Restrictions: Open with { Pty = false })
                : request.PublicKey == second.PublicKey ? new PublicKeyDecision(AuthOutcome.Success, Restrictions: Open with { PortForwarding = false, Command = "echo hi" })
                : PublicKeyDecision.Refuse,
        };
        await using var pair = await AuthPair.StartAsync(authenticator);

        await pair.AuthenticateAsync("alice", new ClientAuthOptions { Identities = [new PrivateKeyIdentity(first), new PrivateKeyIdentity(second)] });

        var result = await pair.Server.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["publickey", "publickey"], result.Methods);
        Assert.False(result.Restrictions!.Pty);
        Assert.False(result.Restrictions.PortForwarding);
        Assert.Equal("echo hi", result.Restrictions.Command);
    }

    [Fact]
    public async Task ASecondKeyWithAnotherForcedCommandIsRefused()
    {
        using var first = SshPrivateKey.Generate("ssh-ed25519");
        using var second = SshPrivateKey.Generate("ssh-ed25519");
        var authenticator = new TestAuthenticator
        {
            Methods = context => [SshAuthMethods.PublicKey],
            PublicKey = (context, request) =>
                request.PublicKey == first.PublicKey ? new PublicKeyDecision(AuthOutcome.PartialSuccess, Restrictions: Open with { Command = "a" })
                : request.PublicKey == second.PublicKey ? new PublicKeyDecision(AuthOutcome.Success, Restrictions: Open with { Command = "b" })
                : PublicKeyDecision.Refuse,
        };
        await using var pair = await AuthPair.StartAsync(authenticator);

        await Assert.ThrowsAsync<SshAuthenticationException>(() =>
            pair.AuthenticateAsync("alice", new ClientAuthOptions { Identities = [new PrivateKeyIdentity(first), new PrivateKeyIdentity(second)] }));
        Assert.Contains(pair.ServerLog, l => l.Contains("its forced command differs", StringComparison.Ordinal));
    }
}
