namespace SshMux.Routing;

/// <summary>
/// Links checked route settings into <see cref="Route"/>s: a route's jump chain is its own
/// "jump" (route names expand to that route's whole path, hop specs to one hop), else the global
/// [jump] unless the route is direct or has a proxy_command, else nothing. Chains are built
/// outermost hop first; a route that jumps through itself, directly or not, is an error.
/// </summary>
internal sealed class RouteResolver
{
    private readonly IReadOnlyList<RouteSettings> _routes;
    private readonly Dictionary<string, RouteSettings> _byName;
    private readonly HopSettings? _globalJump;
    private readonly bool? _defaultAllowRemoteLoopbackAnyPort;
    private readonly string _file;
    private readonly Dictionary<string, IReadOnlyList<RouteHop>> _resolved = new(StringComparer.Ordinal);
    private readonly List<string> _inProgress = [];

    public RouteResolver(IReadOnlyList<RouteSettings> routes, HopSettings? globalJump, bool? defaultAllowRemoteLoopbackAnyPort, string file)
    {
        _routes = routes;
        _byName = routes.ToDictionary(r => r.Name, StringComparer.Ordinal);
        _globalJump = globalJump;
        _defaultAllowRemoteLoopbackAnyPort = defaultAllowRemoteLoopbackAnyPort;
        _file = file;
    }

    public IReadOnlyList<Route> Resolve() =>
        _routes.Select(r => new Route(
            r.Name,
            TargetOf(r),
            JumpsOf(r),
            r.AllowRemoteLoopbackAnyPort ?? _defaultAllowRemoteLoopbackAnyPort ?? false,
            r.RelayKeyboardInteractive ?? false,
            $"{_file}:{r.Line}")).ToList();

    private RouteHop TargetOf(RouteSettings route)
    {
        string? command = null;
        if (route.ProxyCommand is not null
            && RouteSyntax.TryExpandProxyCommand(route.ProxyCommand, route.Target, route.Name, out command) is { } error)
        {
            throw Error(route, route.ProxyCommandLine, "proxy_command", error);
        }

        return ToHop(route.Target, command);
    }

    private IReadOnlyList<RouteHop> JumpsOf(RouteSettings route)
    {
        if (_resolved.TryGetValue(route.Name, out var done))
        {
            return done;
        }

        var start = _inProgress.IndexOf(route.Name);
        if (start >= 0)
        {
            var cycle = string.Join(" -> ", _inProgress.Skip(start).Append(route.Name));
            throw Error(route, route.JumpLine, "jump", $"jump cycle: {cycle}");
        }

        _inProgress.Add(route.Name);
        IReadOnlyList<RouteHop> hops = route switch
        {
            { Jump: { } chain } => Chain(route, chain),
            { Direct: false, ProxyCommand: null } when _globalJump is not null => [ToHop(_globalJump, null)],
            _ => [],
        };
        _inProgress.RemoveAt(_inProgress.Count - 1);
        _resolved[route.Name] = hops;
        return hops;
    }

    private List<RouteHop> Chain(RouteSettings route, string chain)
    {
        var hops = new List<RouteHop>();
        foreach (var part in chain.Split(','))
        {
            var element = part.Trim();
            if (element.Length == 0)
            {
                throw Error(route, route.JumpLine, "jump", $"'{chain}' has an empty hop");
            }

            if (_byName.TryGetValue(element, out var via))
            {
                hops.AddRange(JumpsOf(via));
                var target = TargetOf(via);
                if (target.ProxyCommand is not null && hops.Count > 0)
                {
                    throw Error(route, route.JumpLine, "jump", $"route '{via.Name}' is reached through its proxy_command, so it can only be the first hop of a chain");
                }

                hops.Add(target);
                continue;
            }

            // A bare word is taken for a route name so typos are caught; a host needs user@, :port or a dot.
            if (element.IndexOfAny(['@', ':', '.']) < 0)
            {
                throw Error(route, route.JumpLine, "jump", $"unknown route '{element}' (to jump through a host of that name write user@{element} or {element}:22)");
            }

            if (RouteSyntax.TryParseHop(element, out var user, out var host, out var port) is { } error)
            {
                throw Error(route, route.JumpLine, "jump", error);
            }

            // A hop spelled inline shares the route's user (when it names none), keys and host key policy.
            var settings = route.Target with { Host = host, Port = port, User = user ?? route.Target.User };
            hops.Add(ToHop(settings, null));
        }

        return hops;
    }

    private static RouteHop ToHop(HopSettings hop, string? proxyCommand) =>
        new(hop.Host, hop.Port, hop.User, hop.IdentityFiles, IdentitiesOnly: false, proxyCommand, hop.HostKeyPolicy);

    private RoutesFileException Error(RouteSettings route, int line, string key, string message) =>
        RoutesFileException.At(_file, line, $"routes.{route.Name}.{key}", message);
}
