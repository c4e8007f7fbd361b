using SshMux.Routing;
using SshMux.Ssh.Transport;

namespace SshMux.Relay;

/// <summary>
/// Which route a local login name selects (the seed: the local SSH user name is the route
/// name), and the names there are, for the refusal of a name that is none of them.
/// </summary>
internal sealed record RouteTable(Func<string, Route?> Resolve, Func<IReadOnlyList<string>> Names)
{
    /// <summary>Routed mode: exactly the given routes, by name (ordinal, as ssh_config Host aliases are).</summary>
    public static RouteTable FromRoutes(IReadOnlyList<Route> routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var byName = new Dictionary<string, Route>(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            if (!byName.TryAdd(route.Name, route))
            {
                throw new ArgumentException($"Route \"{route.Name}\" is defined twice ({byName[route.Name].Source} and {route.Source})", nameof(routes));
            }
        }

        IReadOnlyList<string> names = [.. byName.Keys.Order(StringComparer.Ordinal)];
        return new RouteTable(name => byName.GetValueOrDefault(name), () => names);
    }

    /// <summary>Direct mode (`serve --remote`): one synthetic route that every login name selects.</summary>
    public static RouteTable Single(Route route) => new(_ => route, () => [route.Name]);

    /// <summary>What a client that logged in as <paramref name="user"/> is told when that is not a route.</summary>
    public string Refusal(string user)
    {
        var names = Names();
        var list = names.Count == 0 ? "no routes are configured" : "the routes are: " + string.Join(", ", names.Take(50)) + (names.Count > 50 ? $" (and {names.Count - 50} more)" : string.Empty);
        return $"ssh-mux: \"{VersionExchange.Printable(user, 64)}\" is not a route; {list}. Log in with the route name as the user name (ssh ROUTE@127.0.0.1 -p PORT, or the Host entries of ssh-mux-hosts.conf).";
    }
}
