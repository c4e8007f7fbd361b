using System.Text.RegularExpressions;
using SshMux.Routing;

namespace SshMux.Setup;

/// <summary>
/// What may go into a generated ssh_config, and how: route names are limited to
/// ^[A-Za-z0-9._-]+$ and host and user fields may hold no line break, NUL or surrounding
/// white space, so that no route can smuggle its own ssh_config directives (ProxyCommand,
/// LocalCommand) into the file ssh reads.
/// </summary>
internal static partial class SshConfigText
{
    public static bool IsValidRouteName(string name) => RouteName().IsMatch(name);

    /// <summary>Checks every route before anything is written; throws naming the first bad one.</summary>
    public static void ValidateRoutes(IReadOnlyList<Route> routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var route in routes)
        {
            var where = string.IsNullOrEmpty(route.Source) ? string.Empty : $" ({route.Source})";
            if (!IsValidRouteName(route.Name))
            {
                throw new SetupException($"route name {Quote(route.Name)}{where} may only contain letters, digits, '.', '_' and '-'");
            }

            if (!seen.Add(route.Name))
            {
                throw new SetupException($"route name {Quote(route.Name)}{where} is used twice (ssh matches Host names without regard to case)");
            }

            foreach (var hop in route.Jumps.Append(route.Target))
            {
                ValidateField(route.Name, where, "host", hop.Host);
                ValidateField(route.Name, where, "user", hop.User);
            }
        }
    }

    /// <summary>
    /// A path as an ssh_config argument: forward slashes (Win32-OpenSSH takes them, and a
    /// backslash would be read as an escape inside quotes), "%" doubled where ssh expands
    /// %-tokens, in double quotes when it holds a space. Quotes and control characters are
    /// refused, and glob characters where ssh globs (Include).
    /// </summary>
    public static string Path(string path, bool expandsTokens, bool globs)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Any(c => char.IsControl(c) || c is '"' or '\''))
        {
            throw new SetupException($"the path {Quote(path)} contains a quote or control character and cannot be written to an ssh config");
        }

        if (globs && path.IndexOfAny(['*', '?', '[']) >= 0)
        {
            throw new SetupException($"the path {Quote(path)} contains a glob character (* ? [) and cannot be named by an ssh Include");
        }

        var text = path.Replace('\\', '/');
        if (expandsTokens)
        {
            text = text.Replace("%", "%%", StringComparison.Ordinal);
        }

        return text.Any(char.IsWhiteSpace) ? $"\"{text}\"" : text;
    }

    /// <summary>The patterns of a "Host a b c" / "Host=a,b" line, or null when the line is not a Host line.</summary>
    public static string[]? HostPatterns(string line)
    {
        var match = HostLine().Match(line);
        return match.Success
            ? match.Groups["patterns"].Value.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Trim('"')).ToArray()
            : null;
    }

    /// <summary>Whether a line starts a new block (Host or Match).</summary>
    public static bool StartsBlock(string line) => BlockStart().IsMatch(line);

    private static void ValidateField(string route, string where, string field, string value)
    {
        if (value.Length == 0)
        {
            throw new SetupException($"route {route}{where}: {field} is empty");
        }

        if (value.IndexOfAny(['\n', '\r', '\0']) >= 0)
        {
            throw new SetupException($"route {route}{where}: {field} contains a line break or NUL");
        }

        if (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
        {
            throw new SetupException($"route {route}{where}: {field} {Quote(value)} has leading or trailing white space");
        }
    }

    private static string Quote(string text) =>
        "\"" + string.Concat(text.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString())) + "\"";

    // \z, not $: in .NET "$" also matches before a final newline, which would let "web\n" through.
    [GeneratedRegex(@"^[A-Za-z0-9._-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex RouteName();

    [GeneratedRegex(@"^\s*host(\s*=\s*|\s+)(?<patterns>.*?)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HostLine();

    [GeneratedRegex(@"^\s*(host|match)(\s*=|\s)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BlockStart();
}
