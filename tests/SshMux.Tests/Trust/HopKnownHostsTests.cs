using SshMux.Routing;
using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;
using SshMux.Trust;

namespace SshMux.Tests.Trust;

/// <summary>A route's own UserKnownHostsFile, GlobalKnownHostsFile and HostKeyAlias, as ssh_config sets them.</summary>
public class HopKnownHostsTests
{
    private static readonly Lazy<SshPrivateKey> s_key = new(() => SshPrivateKey.Generate("ssh-ed25519"));
    private static readonly Lazy<SshPrivateKey> s_other = new(() => SshPrivateKey.Generate("ssh-ed25519"));

    private static SshPublicKey Key => s_key.Value.PublicKey;

    private static SshPublicKey OtherKey => s_other.Value.PublicKey;

    private static string Line(string hosts, SshPublicKey key) => $"{hosts} {SshPublicKeyLine.Format(key, null)}\n";

    private static RouteHop Hop(HostKeyPolicy policy, IReadOnlyList<string>? user = null, IReadOnlyList<string>? global = null, string? alias = null) =>
        new("10.0.0.5", 2222, "deploy", [], HostKeyPolicy: policy, UserKnownHostsFiles: user, GlobalKnownHostsFiles: global, HostKeyAlias: alias);

    [Fact]
    public async Task AWrongKeyInTheRoutesOwnFileIsAChangeNotAnUnknownKey()
    {
        using var rig = new TrustRig();
        var own = Path.Combine(rig.Directory, "route_known_hosts");
        File.WriteAllText(own, Line("[10.0.0.5]:2222", OtherKey));

        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.AcceptNew, user: [own]), Key));

        Assert.Contains("HAS CHANGED", rig.LogText, StringComparison.Ordinal);
        Assert.Contains($"-f {own}", rig.LogText, StringComparison.Ordinal);
        Assert.Equal(string.Empty, File.ReadAllText(rig.KnownHosts));
        Assert.Equal(Line("[10.0.0.5]:2222", OtherKey), File.ReadAllText(own));
    }

    [Fact]
    public async Task KeysArePinnedInTheFirstOwnFileAndLookedUpInAll()
    {
        using var rig = new TrustRig(Line("[10.0.0.5]:2222", OtherKey));
        var first = Path.Combine(rig.Directory, "first");
        var second = Path.Combine(rig.Directory, "second");
        File.WriteAllText(second, string.Empty);

        // The default file's (other) key no longer applies: the route names its own files.
        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.AcceptNew, user: [first, second]), Key));
        Assert.Equal(Line("[10.0.0.5]:2222", Key), File.ReadAllText(first));
        Assert.Equal(string.Empty, File.ReadAllText(second));

        File.Move(first, Path.Combine(rig.Directory, "moved"));
        File.WriteAllText(second, Line("[10.0.0.5]:2222", Key));
        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.Strict, user: [first, second]), Key));
        Assert.False(File.Exists(first));
    }

    [Fact]
    public async Task TheRoutesGlobalFileReplacesTheDefaultGlobalFiles()
    {
        using var rig = new TrustRig();
        File.WriteAllText(rig.GlobalKnownHosts, Line("[10.0.0.5]:2222", Key));
        var options = rig.Options with { GlobalKnownHostsFiles = [rig.GlobalKnownHosts] };
        var own = Path.Combine(rig.Directory, "site_known_hosts");
        File.WriteAllText(own, Line("[10.0.0.5]:2222", OtherKey));
        var trust = new HostKeyTrust(options, null, (_, _) => { });

        Assert.True(await Verify(trust, Hop(HostKeyPolicy.Strict), Key));
        Assert.False(await Verify(trust, Hop(HostKeyPolicy.Strict, global: [own]), Key));
        Assert.True(await Verify(trust, Hop(HostKeyPolicy.Strict, global: [own]), OtherKey));
        Assert.False(await Verify(trust, Hop(HostKeyPolicy.Strict, global: []), Key));
    }

    [Fact]
    public async Task HostKeyAliasReplacesHostAndPortForLookupAndPinning()
    {
        using var rig = new TrustRig(Line("[10.0.0.5]:2222", OtherKey));

        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.AcceptNew, alias: "web-alias"), Key));
        Assert.EndsWith(Line("web-alias", Key), File.ReadAllText(rig.KnownHosts), StringComparison.Ordinal);
        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.Strict, alias: "web-alias"), Key));
        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.Strict, alias: "web-alias"), OtherKey));
        Assert.NotNull(rig.Trust.PreferredHostKeyAlgorithms(Hop(HostKeyPolicy.Strict, alias: "web-alias")));
        Assert.Null(rig.Trust.PreferredHostKeyAlgorithms(Hop(HostKeyPolicy.Strict, alias: "nobody-alias")));
    }

    [Fact]
    public async Task DevNullAcceptsAnyKeyUnderAcceptNewAndStaysADevice()
    {
        using var rig = new TrustRig();

        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.AcceptNew, user: ["/dev/null"]), Key));
        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.AcceptNew, user: ["/dev/null"]), OtherKey));

        Assert.Contains("Info: ", rig.LogText, StringComparison.Ordinal);
        Assert.Contains("not pinned: UserKnownHostsFile is /dev/null", rig.LogText, StringComparison.Ordinal);
        Assert.True(DevNullIsADevice());
        Assert.Equal(string.Empty, File.ReadAllText(rig.KnownHosts));
    }

    [Fact]
    public async Task DevNullStillAsksUnderAsk()
    {
        var broker = ScriptedPromptBroker.Answering("no");
        using var rig = new TrustRig(prompts: broker);

        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.Ask, user: ["/dev/null"]), Key));
        Assert.Single(broker.Requests);
        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.Strict, user: ["/dev/null"]), Key));
        Assert.True(DevNullIsADevice());
    }

    [Fact]
    public async Task NoneAcceptsWithoutPinning()
    {
        using var rig = new TrustRig();

        Assert.True(await rig.VerifyAsync(Hop(HostKeyPolicy.AcceptNew, user: []), Key));
        Assert.Contains("not pinned: UserKnownHostsFile is none", rig.LogText, StringComparison.Ordinal);
        Assert.Equal(string.Empty, File.ReadAllText(rig.KnownHosts));
    }

    [Fact]
    public async Task ADirectoryIsNeverReplacedByAPin()
    {
        using var rig = new TrustRig();
        var directory = Path.Combine(rig.Directory, "dir");
        Directory.CreateDirectory(directory);

        // Refused when it cannot be read as known_hosts, before any pin is tried.
        Assert.False(await rig.VerifyAsync(Hop(HostKeyPolicy.AcceptNew, user: [directory]), Key));
        Assert.Contains("Cannot read " + directory, rig.LogText, StringComparison.Ordinal);
        Assert.True(Directory.Exists(directory));
    }

    private static ValueTask<bool> Verify(HostKeyTrust trust, RouteHop hop, SshPublicKey key) =>
        trust.VerifyAsync(new HostKeyCheck("web", hop, new SshMux.Ssh.Transport.HostKeyVerification(key, key.KeyType, "SSH-2.0-OpenSSH_9.2", null)), CancellationToken.None);

    /// <summary>/dev/null is a character device (S_IFCHR), not a file something was renamed over.</summary>
    internal static bool DevNullIsADevice() => SshMux.Control.UnixFiles.Lstat("/dev/null") is { Mode: var mode } && (mode & 0xF000) == 0x2000;
}
