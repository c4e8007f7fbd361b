using System.Text.RegularExpressions;
using SshMux.Paths;
using SshMux.Toml;

namespace SshMux.Routing;

/// <summary>
/// Reads ~/.ssh/ssh-mux-routes.toml: an optional global [jump] host, default_allow_remote_loopback_any_port,
/// and one [routes.NAME] table per route. Unknown keys and wrong types are errors naming
/// FILE:LINE and the key, so a typo never silently changes where a connection goes.
/// </summary>
/// <remarks>
/// [jump]: host, user (required), port (22), identity_file, strict_host_key_checking.
/// [routes.NAME]: host, user (required), port (22), identity_file (a path or an array of paths,
/// "~/" is the home directory), strict_host_key_checking ("ask" | "accept-new" | "yes", default
/// ask), direct (true: no global jump), proxy_command (%h %p %r %n %% expanded; no global jump),
/// jump (a route name, "[user@]host[:port]", or a comma-separated chain of them; replaces the
/// global jump), allow_remote_loopback_any_port (default: the top-level
/// default_allow_remote_loopback_any_port, else false), relay_keyboard_interactive (false).
/// </remarks>
internal static partial class RoutesFile
{
    public const string FileName = "ssh-mux-routes.toml";

    private static readonly string[] RootKeys = ["jump", "routes", "default_allow_remote_loopback_any_port"];
    private static readonly string[] JumpKeys = ["host", "port", "user", "identity_file", "strict_host_key_checking"];
    private static readonly string[] RouteKeys =
    [
        "host", "port", "user", "identity_file", "strict_host_key_checking", "direct", "proxy_command", "jump",
        "allow_remote_loopback_any_port", "relay_keyboard_interactive",
    ];

    public static string DefaultPath(SshDirectory ssh) => ssh.File(FileName);

    /// <summary>Loads the file with "~/" meaning the current user's home directory.</summary>
    public static IReadOnlyList<Route> Load(string path)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home))
        {
            throw new RoutesFileException($"{path}: cannot find the home directory (HOME is not set) to expand ~ in identity_file");
        }

        return Load(path, home);
    }

    /// <summary>Loads the file; a missing file is no routes (the caller decides whether that is fine).</summary>
    public static IReadOnlyList<Route> Load(string path, string home)
    {
        byte[] bytes;
        try
        {
            // Its proxy_command lines run as the user: a file (or a directory on its way) that
            // others can write or redirect would let them run commands as the user.
            if (File.Exists(path))
            {
                FileSafety.Default.CheckFile(path);
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (UnsafePathException e)
        {
            var where = e.UnsafePath == Path.GetFullPath(path) ? string.Empty : e.UnsafePath + ": ";
            throw new RoutesFileException($"{path}: refusing the routes file: {where}{e.Problem}", e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RoutesFileException($"{path}: cannot read the routes file: {e.Message}", e);
        }

        return Parse(bytes, path, home);
    }

    /// <summary>Parses routes file text; <paramref name="file"/> is only used in messages and Route.Source.</summary>
    public static IReadOnlyList<Route> Parse(ReadOnlySpan<byte> utf8, string file, string home)
    {
        TomlTable document;
        try
        {
            document = TomlParser.Parse(utf8);
        }
        catch (TomlException e)
        {
            throw new RoutesFileException($"{file}:{e.Line}: {e.Reason} (column {e.Column})", e);
        }

        var root = new RoutesFileSection(document, string.Empty, file);
        root.RejectUnknownKeys(RootKeys);
        var defaultAllow = root.GetBool("default_allow_remote_loopback_any_port");
        var jump = root.GetTable("jump") is { } jumpTable ? ReadJump(new RoutesFileSection(jumpTable, "jump", file), home) : null;
        var routes = new List<RouteSettings>();
        if (root.GetTable("routes") is { } routesTable)
        {
            var section = new RoutesFileSection(routesTable, "routes", file);
            foreach (var entry in routesTable.Entries)
            {
                if (entry.Value is not TomlTable table)
                {
                    throw section.Error(entry.Line, entry.Key, $"expected a table ([routes.{entry.Key}]), found {entry.Value.KindName}");
                }

                if (!RouteName().IsMatch(entry.Key))
                {
                    throw section.Error(entry.Line, entry.Key, "a route name may only contain A-Z, a-z, 0-9, '.', '_' and '-'");
                }

                routes.Add(ReadRoute(entry.Key, new RoutesFileSection(table, $"routes.{entry.Key}", file), home));
            }
        }

        return new RouteResolver(routes, jump, defaultAllow, file).Resolve();
    }

    private static HopSettings ReadJump(RoutesFileSection section, string home)
    {
        section.RejectUnknownKeys(JumpKeys);
        return ReadHop(section, home);
    }

    private static RouteSettings ReadRoute(string name, RoutesFileSection section, string home)
    {
        section.RejectUnknownKeys(RouteKeys);
        var target = ReadHop(section, home);
        var direct = section.GetBool("direct") ?? false;
        var proxyCommand = section.GetString("proxy_command");
        var jump = section.GetString("jump");
        if (jump is not null && direct)
        {
            throw section.Error(section.LineOf("jump"), "jump", "cannot be combined with direct = true");
        }

        if (jump is not null && proxyCommand is not null)
        {
            throw section.Error(section.LineOf("jump"), "jump", "cannot be combined with proxy_command (the command already carries the connection)");
        }

        return new RouteSettings(
            name,
            section.Table.Line,
            target,
            direct,
            proxyCommand,
            section.LineOf("proxy_command"),
            jump,
            section.LineOf("jump"),
            section.GetBool("allow_remote_loopback_any_port"),
            section.GetBool("relay_keyboard_interactive"));
    }

    private static HopSettings ReadHop(RoutesFileSection section, string home) => new(
        section.GetName("host") ?? throw section.Missing("host"),
        section.GetPort("port") ?? 22,
        section.GetName("user") ?? throw section.Missing("user"),
        section.GetIdentityFiles("identity_file", home),
        section.GetHostKeyPolicy("strict_host_key_checking") ?? HostKeyPolicy.Ask);

    /// <summary>Seed rule: route names become ssh_config Host aliases, so only these characters (no config syntax injection).</summary>
    [GeneratedRegex(@"^[A-Za-z0-9._-]+\z")]
    private static partial Regex RouteName();
}
