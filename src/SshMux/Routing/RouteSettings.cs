namespace SshMux.Routing;

/// <summary>A hop as written in the routes file, checked but not yet linked to other routes.</summary>
internal sealed record HopSettings(string Host, int Port, string User, IReadOnlyList<string> IdentityFiles, HostKeyPolicy HostKeyPolicy);

/// <summary>One [routes.NAME] table as written; <see cref="RouteResolver"/> turns it into a <see cref="Route"/>.</summary>
/// <param name="Line">Line of the route's [routes.NAME] header (or of its key when written inline).</param>
/// <param name="Jump">The per-route jump text: a route name, "[user@]host[:port]", or a comma-separated chain of them.</param>
internal sealed record RouteSettings(
    string Name,
    int Line,
    HopSettings Target,
    bool Direct,
    string? ProxyCommand,
    int ProxyCommandLine,
    string? Jump,
    int JumpLine,
    bool? AllowRemoteLoopbackAnyPort,
    bool? RelayKeyboardInteractive);
