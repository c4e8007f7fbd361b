using SshMux.Routing;
using SshMux.Ssh.Transport;

namespace SshMux.Trust;

/// <summary>The host key an upstream presented, and for which hop.</summary>
internal sealed record HostKeyCheck(string RouteName, RouteHop Hop, HostKeyVerification Verification)
{
    /// <summary>Why the key was refused, when it was: the transport's own error cannot say.</summary>
    public string? Refusal { get; set; }
}

/// <summary>
/// Decides whether an upstream's host key is trusted, as strictly as OpenSSH: known_hosts
/// (and its @cert-authority and @revoked lines), then the hop's policy for unknown keys.
/// </summary>
internal interface IHostKeyTrust
{
    /// <summary>Host key algorithms to prefer for the hop (as ssh orders them by what known_hosts holds); null for the defaults.</summary>
    IReadOnlyList<string>? PreferredHostKeyAlgorithms(RouteHop hop);

    /// <summary>True to continue; false refuses the connection (the reason has been logged).</summary>
    ValueTask<bool> VerifyAsync(HostKeyCheck check, CancellationToken cancellationToken);
}
