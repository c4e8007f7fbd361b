using SshMux.Paths;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Transport;

namespace SshMux.Routing;

/// <summary>The route a local user name selects, or why there is none.</summary>
internal sealed record RouteLookup(Route? Route, string? Refusal);

/// <summary>
/// Every route the gateway serves: the routes file (ssh-mux-routes.toml) first, then the Host
/// aliases of the user's ssh config (~/.ssh/config and /etc/ssh/ssh_config, never the
/// ssh-mux-hosts.conf that setup-config generates, which points back at ssh-mux). Both are
/// read again on every lookup, as ssh reads its config on every run, so an edited route takes
/// effect on the next connection without a restart.
/// </summary>
internal sealed class RouteCatalog
{
    private readonly SshDirectory _directory;
    private readonly string _routesFile;
    private readonly bool _useSshConfig;
    private readonly SshLog _log;

    public RouteCatalog(SshDirectory directory, string? routesFile, bool useSshConfig, SshLog log)
    {
        _directory = directory;
        _routesFile = routesFile ?? RoutesFile.DefaultPath(directory);
        _useSshConfig = useSshConfig;
        _log = log;
    }

    public string RoutesFilePath => _routesFile;

    /// <summary>The routes file's routes (none when it does not exist); throws <see cref="RoutesFileException"/> naming file, line and key.</summary>
    public IReadOnlyList<Route> FileRoutes() => RoutesFile.Load(_routesFile);

    /// <summary>Route names for messages: the routes file's, then the ssh config's concrete aliases.</summary>
    public IReadOnlyList<string> Names()
    {
        var names = new List<string>();
        try
        {
            names.AddRange(FileRoutes().Select(r => r.Name));
        }
        catch (RoutesFileException e)
        {
            _log(SshLogLevel.Warning, e.Message);
        }

        if (LoadSshConfig() is { } config)
        {
            names.AddRange(config.Aliases().Where(a => !names.Contains(a, StringComparer.Ordinal)));
        }

        return names;
    }

    /// <summary>
    /// The route for a local user name. An ssh config name counts when a Host line names it, or
    /// when a Host pattern (such as `coder config-ssh`'s "Host coder.*") says how to reach it:
    /// a ProxyCommand, a ProxyJump or a HostName of its own. A name that only a catch-all block
    /// matches is not a route, so a mistyped name never becomes a connection to that name.
    /// </summary>
    public RouteLookup Find(string name)
    {
        IReadOnlyList<Route> fileRoutes;
        try
        {
            fileRoutes = FileRoutes();
        }
        catch (RoutesFileException e)
        {
            _log(SshLogLevel.Error, e.Message);
            return new RouteLookup(null, "the routes file has an error: " + e.Message);
        }

        if (fileRoutes.FirstOrDefault(r => r.Name == name) is { } route)
        {
            return new RouteLookup(route, null);
        }

        var config = LoadSshConfig();
        if (config is not null && IsSshConfigRoute(config, name))
        {
            try
            {
                return new RouteLookup(config.Resolve(name), null);
            }
            catch (SshConfigException e)
            {
                _log(SshLogLevel.Error, $"ssh config host {name}: {e.Message}");
                return new RouteLookup(null, $"ssh config host {name}: {e.Message}");
            }
        }

        var names = fileRoutes.Select(r => r.Name).Concat(config?.Aliases() ?? []).Distinct(StringComparer.Ordinal).ToList();
        var known = names.Count == 0
            ? $"there are no routes: add one to {_routesFile}" + (_useSshConfig ? " or a Host block to ~/.ssh/config" : string.Empty)
            : "routes: " + string.Join(", ", names);
        return new RouteLookup(null, $"\"{name}\" is not an ssh-mux route ({known})");
    }

    private static bool IsSshConfigRoute(SshConfigRoutes config, string name)
    {
        if (!SshConfig.IsValidHostName(name))
        {
            return false;
        }

        if (config.Aliases().Contains(name, StringComparer.Ordinal))
        {
            return true;
        }

        var options = config.Config.Resolve(name, Environment.UserName);
        return options.ProxyCommand is not null || options.ProxyJump is not null ||
            !string.Equals(options.HostName, name, StringComparison.OrdinalIgnoreCase);
    }

    private SshConfigRoutes? LoadSshConfig()
    {
        if (!_useSshConfig)
        {
            return null;
        }

        try
        {
            return SshConfigRoutes.Load(_directory, SshTokenContext.ForCurrentUser(), log: _log);
        }
        catch (Exception e) when (e is SshConfigException or IOException or UnauthorizedAccessException)
        {
            _log(SshLogLevel.Warning, "Not using the ssh config for routes: " + e.Message);
            return null;
        }
    }

    /// <summary>setup-config's loader: the routes file only (ssh config hosts already have their own Host blocks).</summary>
    public static IReadOnlyList<Route> LoadForSetup(SshDirectory directory, string? routesFile)
    {
        try
        {
            return RoutesFile.Load(routesFile ?? RoutesFile.DefaultPath(directory));
        }
        catch (RoutesFileException e)
        {
            throw new Setup.SetupException(e.Message);
        }
    }
}
