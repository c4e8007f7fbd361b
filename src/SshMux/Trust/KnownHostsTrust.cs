using SshMux.Routing;
using SshMux.Ssh;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Transport;

namespace SshMux.Trust;

/// <summary>
/// Trusts exactly the keys known_hosts lists for a hop: unknown, changed and revoked keys are
/// refused with a message that says which key was presented and what known_hosts holds.
/// </summary>
internal sealed class KnownHostsTrust(IReadOnlyList<string> knownHostsFiles, SshLog log) : IHostKeyTrust
{
    public IReadOnlyList<string>? PreferredHostKeyAlgorithms(RouteHop hop) => null;

    public ValueTask<bool> VerifyAsync(HostKeyCheck check, CancellationToken cancellationToken)
    {
        var key = check.Verification.HostKey;
        var files = knownHostsFiles.Where(File.Exists).Select(path => KnownHostsFile.Load(path)).ToList();
        var result = KnownHostsLookup.Check(files, check.Hop.Host, check.Hop.Port, key);
        var name = KnownHostsEntry.HostName(check.Hop.Host, check.Hop.Port);
        switch (result.Status)
        {
            case KnownHostsStatus.Trusted:
                return ValueTask.FromResult(true);
            case KnownHostsStatus.Changed:
                log(SshLogLevel.Error, $"REMOTE HOST IDENTIFICATION HAS CHANGED for {name}: it presented {key.KeyType} {key.GetSha256Fingerprint()}, " +
                    $"known_hosts lists {string.Join(", ", result.OtherKeyFingerprints)}. Refusing to connect.");
                return ValueTask.FromResult(false);
            case KnownHostsStatus.Revoked:
                log(SshLogLevel.Error, $"The host key of {name} ({key.KeyType} {key.GetSha256Fingerprint()}) is marked @revoked. Refusing to connect.");
                return ValueTask.FromResult(false);
            default:
                log(SshLogLevel.Error, $"The host key of {name} is not known: {key.KeyType} {key.GetSha256Fingerprint()}. " +
                    $"Check it and add it to {knownHostsFiles.FirstOrDefault() ?? "known_hosts"} (for example by connecting once with ssh). Refusing to connect.");
                return ValueTask.FromResult(false);
        }
    }
}
