using SshMux.Paths;

namespace SshMux.Trust;

/// <summary>Where <see cref="HostKeyTrust"/> reads and pins host keys, and how.</summary>
internal sealed record HostKeyTrustOptions
{
    private static readonly string[] SystemFiles = ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];

    /// <summary>The file accepted keys are pinned in (ssh's first UserKnownHostsFile, ~/.ssh/known_hosts).</summary>
    public required string UserKnownHostsFile { get; init; }

    /// <summary>
    /// Every file consulted, the pin file included (ssh's UserKnownHostsFile and
    /// GlobalKnownHostsFile defaults). Missing files are empty; an unreadable one refuses every
    /// key, since a @revoked or @cert-authority line in it cannot be seen.
    /// </summary>
    public required IReadOnlyList<string> KnownHostsFiles { get; init; }

    /// <summary>
    /// The system files among <see cref="KnownHostsFiles"/> (ssh's GlobalKnownHostsFile): a
    /// route's own GlobalKnownHostsFile replaces these, its UserKnownHostsFile the others.
    /// </summary>
    public IReadOnlyList<string> GlobalKnownHostsFiles { get; init; } = [];

    /// <summary>Record pinned names as |1|salt|hash (ssh's HashKnownHosts).</summary>
    public bool HashKnownHosts { get; init; }

    /// <summary>The time host certificates are checked against; null for now (tests set it).</summary>
    public Func<DateTimeOffset>? Clock { get; init; }

    /// <summary>
    /// ssh's defaults for a user: ~/.ssh/known_hosts and known_hosts2, then
    /// /etc/ssh/ssh_known_hosts and ssh_known_hosts2; HashKnownHosts as the user's ssh has it
    /// (Debian ships "HashKnownHosts yes" in /etc/ssh/ssh_config, OpenSSH's own default is no).
    /// </summary>
    public static HostKeyTrustOptions ForUser(SshDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return new HostKeyTrustOptions
        {
            UserKnownHostsFile = directory.KnownHosts,
            KnownHostsFiles = [directory.KnownHosts, directory.File("known_hosts2"), .. SystemFiles],
            GlobalKnownHostsFiles = SystemFiles,
            HashKnownHosts = HashKnownHostsSetting.Read([directory.File("config"), "/etc/ssh/ssh_config"]) ?? false,
        };
    }
}
