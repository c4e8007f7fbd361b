using SshMux.Paths;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Transport;

namespace SshMux.Routing;

/// <summary>
/// Routes from ~/.ssh/config: every Host alias is a route that reaches the host the way
/// `ssh ALIAS` would (HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump,
/// ProxyCommand, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias).
/// </summary>
/// <remarks>
/// ProxyJump hops are resolved as ssh resolves them: ssh runs `ssh -l USER -p PORT -J
/// EARLIER_HOPS HOP -W host:port` for the last hop, so each hop is looked up in the
/// configuration under its own name, its user and port from the ProxyJump text win, and only
/// the first hop's own ProxyJump / ProxyCommand take effect. Chains that lead back to a host
/// being resolved are refused (ssh would start processes without end).
/// </remarks>
internal sealed class SshConfigRoutes
{
    /// <summary>The file ssh-mux writes for ssh to reach ssh-mux; reading it for routes would route ssh-mux to itself.</summary>
    public const string GeneratedHostsFileName = "ssh-mux-hosts.conf";

    /// <summary>Longest chain of jump hosts followed before giving up.</summary>
    public const int MaxJumpDepth = 32;

    private const int DefaultPort = 22;

    private const string UserKnownHostsFileKeyword = "userknownhostsfile";
    private const string GlobalKnownHostsFileKeyword = "globalknownhostsfile";
    private const string HostKeyAliasKeyword = "hostkeyalias";

    private readonly SshConfig _config;
    private readonly SshTokenContext _tokens;
    private readonly SshLog? _log;
    private readonly string _sourceName;

    public SshConfigRoutes(SshConfig config, SshTokenContext tokens, string sourceName, SshLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokens);
        _config = config;
        _tokens = tokens;
        _sourceName = sourceName;
        _log = log;
    }

    /// <summary>Whether routes from ssh_config let direct-tcpip reach any loopback port upstream.</summary>
    public bool AllowRemoteLoopbackAnyPort { get; init; }

    /// <summary>Whether routes from ssh_config relay upstream keyboard-interactive prompts.</summary>
    public bool RelayKeyboardInteractive { get; init; }

    public SshConfig Config => _config;

    /// <summary>
    /// Reads the user's ssh configuration (DIRECTORY/config) and the system one, never
    /// <see cref="GeneratedHostsFileName"/>, even through an Include or a symbolic link.
    /// </summary>
    public static SshConfigRoutes Load(SshDirectory directory, SshTokenContext tokens, string? systemConfig = "/etc/ssh/ssh_config", SshLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(tokens);
        var userConfig = directory.File("config");
        var config = SshConfig.Load(userConfig, systemConfig, ReadOptions(directory, tokens.HomeDirectory));
        foreach (var skipped in config.SkippedFiles)
        {
            log?.Invoke(SshLogLevel.Debug, $"Not reading {skipped} for routes: ssh-mux generates it and it points back at ssh-mux");
        }

        return new SshConfigRoutes(config, tokens, userConfig, log);
    }

    /// <summary>Read options that skip ssh-mux's own generated hosts file, under any name that leads to it.</summary>
    public static SshConfigReadOptions ReadOptions(SshDirectory directory, string homeDirectory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var generated = Path.GetFullPath(directory.File(GeneratedHostsFileName));
        var generatedResolved = SshConfigReadOptions.ResolvePath(generated);
        return new SshConfigReadOptions(homeDirectory, SkipFile: path =>
            string.Equals(path, generated, StringComparison.Ordinal) || string.Equals(path, generatedResolved, StringComparison.Ordinal));
    }

    /// <summary>The aliases the configuration defines by name (Host lines without wildcards or negation).</summary>
    public IReadOnlyList<string> Aliases() => _config.ConcreteHostAliases(_tokens.LocalUser);

    /// <summary>The route for an alias; throws <see cref="SshConfigException"/> naming the problem.</summary>
    public Route Resolve(string alias)
    {
        ArgumentNullException.ThrowIfNull(alias);
        var (target, jumps) = ResolveHop(alias, commandLine: null, []);
        var source = _config.DefinitionOf(alias) ?? $"{_sourceName} (Host patterns)";
        return new Route(alias, target, jumps, AllowRemoteLoopbackAnyPort, RelayKeyboardInteractive, source);
    }

    /// <summary>Every alias's route; aliases whose route cannot be built are reported in <paramref name="errors"/>.</summary>
    public IReadOnlyList<Route> ResolveAll(out IReadOnlyList<string> errors)
    {
        var routes = new List<Route>();
        var problems = new List<string>();
        foreach (var alias in Aliases())
        {
            try
            {
                routes.Add(Resolve(alias));
            }
            catch (SshConfigException e)
            {
                problems.Add($"ssh_config host {alias}: {e.Message}");
            }
        }

        errors = problems;
        return routes;
    }

    private (RouteHop Hop, List<RouteHop> Jumps) ResolveHop(string name, SshConfigCommandLine? commandLine, List<string> resolving)
    {
        var key = name + "\n" + commandLine?.ProxyJump;
        if (resolving.Contains(key))
        {
            throw new SshConfigException($"ProxyJump loop: {string.Join(" -> ", resolving.Select(k => k.Split('\n')[0]))} -> {name}");
        }

        if (resolving.Count >= MaxJumpDepth)
        {
            throw new SshConfigException($"ProxyJump chain longer than {MaxJumpDepth} hops at {name}");
        }

        var options = _config.Resolve(name, _tokens.LocalUser, commandLine);
        foreach (var warning in options.Warnings)
        {
            _log?.Invoke(SshLogLevel.Warning, warning.ToString());
        }

        var user = options.User ?? _tokens.LocalUser;
        var port = options.Port ?? DefaultPort;
        var host = options.HostName;
        var identities = options.IdentityFiles
            .Select(f => SshConfigTokens.ExpandPath(f, _tokens, host, name, port, user))
            .ToList();

        // ssh.c lowercases HostKeyAlias; it then stands for host and port in known_hosts.
        var hostKeyAlias = options.First(HostKeyAliasKeyword) is { } aliasLine ? OpenSshPattern.ToLowerAscii(aliasLine.Arguments[0]) : null;
        var hop = new RouteHop(host, port, user, identities, options.IdentitiesOnly ?? false, HostKeyPolicy: Policy(options),
            UserKnownHostsFiles: KnownHostsFiles(options, UserKnownHostsFileKeyword, f => SshConfigTokens.ExpandPath(f, _tokens, host, name, port, user, hostKeyAlias)),
            GlobalKnownHostsFiles: KnownHostsFiles(options, GlobalKnownHostsFileKeyword, f => SshConfigTokens.ExpandTilde(f, _tokens.HomeDirectory)),
            HostKeyAlias: hostKeyAlias);

        if (options.ProxyJump is { } jumpText)
        {
            // Validated when the file was read.
            SshJumpHost.TryParseList(jumpText, out var hops);
            var last = hops[^1];
            var earlier = hops.Count > 1 ? string.Join(',', hops.Take(hops.Count - 1).Select(h => h.Text)) : null;
            resolving.Add(key);
            var (lastHop, before) = ResolveHop(last.Host, new SshConfigCommandLine(last.User, last.Port, earlier), resolving);
            resolving.RemoveAt(resolving.Count - 1);
            before.Add(lastHop);
            return (hop, before);
        }

        if (options.ProxyCommand is { } command)
        {
            hop = hop with { ProxyCommand = SshConfigTokens.ExpandProxyCommand(command, host, name, port, user) };
        }

        return (hop, []);
    }

    /// <summary>
    /// A known_hosts keyword's files: null when not configured (the defaults apply), empty for
    /// "none". The first line obtained wins and may list several files (readconf.c). ssh
    /// expands the % tokens in UserKnownHostsFile only; both get ~ expanded.
    /// </summary>
    private static List<string>? KnownHostsFiles(SshConfigOptions options, string keyword, Func<string, string> expand)
    {
        if (options.First(keyword) is not { } line)
        {
            return null;
        }

        if (line.Arguments is [var only] && only.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        return line.Arguments.Select(expand).ToList();
    }

    private HostKeyPolicy Policy(SshConfigOptions options)
    {
        switch (options.StrictHostKeyChecking)
        {
            case "yes" or "true":
                return HostKeyPolicy.Strict;
            case "accept-new":
                return HostKeyPolicy.AcceptNew;
            case "no" or "false" or "off":
                var where = options.First(SshConfigKeywords.StrictHostKeyChecking)?.Location;
                _log?.Invoke(SshLogLevel.Warning,
                    $"{where}: StrictHostKeyChecking {options.StrictHostKeyChecking} for {options.Alias}: ssh-mux never accepts a changed host key; treating it as accept-new (unknown keys are pinned, changed keys refused)");
                return HostKeyPolicy.AcceptNew;
            default:
                return HostKeyPolicy.Ask;
        }
    }
}
