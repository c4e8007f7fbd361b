using SshMux.Routing;
using SshMux.Ssh.Transport;

namespace SshMux.Trust;

/// <summary>
/// Trusts exactly what known_hosts vouches for (listed keys and host certificates from a
/// @cert-authority), whatever the hop's policy says: <see cref="HostKeyTrust"/> with every
/// unknown key refused, nothing asked and nothing pinned. Unknown, changed and revoked keys are
/// refused with a message that says which key was presented and what known_hosts holds.
/// </summary>
internal sealed class KnownHostsTrust(IReadOnlyList<string> knownHostsFiles, SshLog log) : IHostKeyTrust
{
    private readonly HostKeyTrust _strict = new(
        new HostKeyTrustOptions { UserKnownHostsFile = knownHostsFiles.FirstOrDefault() ?? "known_hosts", KnownHostsFiles = knownHostsFiles },
        prompts: null,
        log);

    public IReadOnlyList<string>? PreferredHostKeyAlgorithms(RouteHop hop) => _strict.PreferredHostKeyAlgorithms(hop);

    public ValueTask<bool> VerifyAsync(HostKeyCheck check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(check);
        return _strict.VerifyAsync(check with { Hop = check.Hop with { HostKeyPolicy = HostKeyPolicy.Strict } }, cancellationToken);
    }
}
