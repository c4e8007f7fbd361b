namespace SshMux.Routing;

/// <summary>How an unknown upstream host key is treated (OpenSSH's StrictHostKeyChecking).</summary>
internal enum HostKeyPolicy
{
    /// <summary>Ask the person through the prompt broker; refuse when no front end answers.</summary>
    Ask,

    /// <summary>Pin an unknown key without asking; a changed key is still refused.</summary>
    AcceptNew,

    /// <summary>Only keys already in known_hosts are accepted.</summary>
    Strict,
}

/// <summary>One SSH hop: where, as whom and with which keys.</summary>
/// <param name="IdentityFiles">Private key files, tried in order (each with its KEY-cert.pub when present).</param>
/// <param name="IdentitiesOnly">When true, only <paramref name="IdentityFiles"/> are offered (no agent keys, no default ~/.ssh/id_*).</param>
/// <param name="ProxyCommand">A command whose stdin/stdout carry this hop's SSH stream, with %h %p %r %n %% already expanded; null for TCP.</param>
/// <param name="UserKnownHostsFiles">ssh's UserKnownHostsFile, expanded: looked up first, accepted keys pinned in the first; null for the defaults, empty for "none".</param>
/// <param name="GlobalKnownHostsFiles">ssh's GlobalKnownHostsFile: looked up after the user files; null for the defaults, empty for "none".</param>
/// <param name="HostKeyAlias">ssh's HostKeyAlias (lower case): the name host keys are looked up, pinned and certificates checked under, instead of host and port.</param>
internal sealed record RouteHop(
    string Host,
    int Port,
    string User,
    IReadOnlyList<string> IdentityFiles,
    bool IdentitiesOnly = false,
    string? ProxyCommand = null,
    HostKeyPolicy HostKeyPolicy = HostKeyPolicy.Ask,
    IReadOnlyList<string>? UserKnownHostsFiles = null,
    IReadOnlyList<string>? GlobalKnownHostsFiles = null,
    string? HostKeyAlias = null)
{
    /// <summary>user@host:port, the pool's name for the hop (IPv6 hosts in brackets).</summary>
    public string Display => Host.Contains(':', StringComparison.Ordinal) ? $"{User}@[{Host}]:{Port}" : $"{User}@{Host}:{Port}";
}

/// <summary>
/// A route: the SSH user name a local client logs in with selects it, and it says how ssh-mux
/// reaches the upstream host. Routes come from ~/.ssh/ssh-mux-routes.toml and from the Host
/// aliases of ~/.ssh/config.
/// </summary>
/// <param name="Name">The route name (the local SSH user name).</param>
/// <param name="Target">The upstream host itself.</param>
/// <param name="Jumps">Jump hosts in the order they are passed through (the first is reached directly or by its own ProxyCommand); empty for none.</param>
/// <param name="AllowRemoteLoopbackAnyPort">Whether direct-tcpip may reach any port on the upstream's loopback (VS Code / Cursor need it).</param>
/// <param name="RelayKeyboardInteractive">Whether the upstream's keyboard-interactive prompts may be relayed to the connecting client.</param>
/// <param name="Source">Where the route was defined, for messages ("FILE:LINE").</param>
internal sealed record Route(
    string Name,
    RouteHop Target,
    IReadOnlyList<RouteHop> Jumps,
    bool AllowRemoteLoopbackAnyPort,
    bool RelayKeyboardInteractive,
    string Source);
