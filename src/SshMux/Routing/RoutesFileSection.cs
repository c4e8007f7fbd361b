using SshMux.Toml;

namespace SshMux.Routing;

/// <summary>
/// Typed, checked access to one table of the routes file. Every error names the file, the line
/// of the offending key and the key's full dotted name.
/// </summary>
internal sealed class RoutesFileSection(TomlTable table, string path, string file)
{
    public TomlTable Table { get; } = table;

    /// <summary>The table's dotted name ("routes.web"), empty for the root.</summary>
    public string Path { get; } = path;

    public string File { get; } = file;

    public string Qualify(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public RoutesFileException Error(int line, string key, string message) => RoutesFileException.At(File, line, Qualify(key), message);

    public RoutesFileException Missing(string key) =>
        RoutesFileException.At(File, Table.Line, Path, $"'{key}' is required");

    public void RejectUnknownKeys(IReadOnlyList<string> known)
    {
        foreach (var entry in Table.Entries)
        {
            if (!known.Contains(entry.Key, StringComparer.Ordinal))
            {
                throw Error(entry.Line, entry.Key, $"unknown key (expected one of {string.Join(", ", known)})");
            }
        }
    }

    public int LineOf(string key) => Table.TryGetEntry(key, out var entry) ? entry.Line : Table.Line;

    public TomlTable? GetTable(string key) => Get<TomlTable>(key, TomlKind.Table, "a table");

    public bool? GetBool(string key) => Get<TomlValue>(key, TomlKind.Boolean, "a boolean (true or false)")?.Value as bool?;

    public string? GetString(string key)
    {
        var value = Get<TomlValue>(key, TomlKind.String, "a string");
        if (value is null)
        {
            return null;
        }

        var text = (string)value.Value;
        if (text.Length == 0)
        {
            throw Error(value.Line, key, "must not be empty");
        }

        if (text.AsSpan().IndexOfAny('\n', '\r', '\0') >= 0)
        {
            throw Error(value.Line, key, "must not contain a newline, carriage return or NUL");
        }

        return text;
    }

    /// <summary>A host or user name: seed rule "All config fields (host, user) reject newline, carriage return, null, and leading/trailing whitespace".</summary>
    public string? GetName(string key)
    {
        var text = GetString(key);
        if (text is not null && text.Trim() != text)
        {
            throw Error(LineOf(key), key, "must not start or end with white space");
        }

        return text;
    }

    public int? GetPort(string key)
    {
        var value = Get<TomlValue>(key, TomlKind.Integer, "an integer port number");
        if (value is null)
        {
            return null;
        }

        var port = (long)value.Value;
        if (port is < 1 or > 65535)
        {
            throw Error(value.Line, key, $"port {port} is out of range (1-65535)");
        }

        return (int)port;
    }

    public HostKeyPolicy? GetHostKeyPolicy(string key) => GetString(key) switch
    {
        null => null,
        "ask" => HostKeyPolicy.Ask,
        "accept-new" => HostKeyPolicy.AcceptNew,
        "yes" => HostKeyPolicy.Strict,
        var other => throw Error(LineOf(key), key, $"'{other}' is not one of \"ask\", \"accept-new\", \"yes\""),
    };

    /// <summary>One path or an array of paths; "~" and "~/..." are the home directory, anything else must be absolute (a daemon's working directory means nothing to the person who wrote the file).</summary>
    public IReadOnlyList<string> GetIdentityFiles(string key, string home)
    {
        if (!Table.TryGetEntry(key, out var entry))
        {
            return [];
        }

        var items = entry.Value switch
        {
            TomlValue { Kind: TomlKind.String } single => [single],
            TomlArray array => array.Items,
            var other => throw Error(entry.Line, key, $"expected a string or an array of strings, found {other.KindName}"),
        };

        var paths = new List<string>();
        foreach (var item in items)
        {
            if (item is not TomlValue { Kind: TomlKind.String, Value: string text })
            {
                throw Error(item.Line, key, $"expected a string or an array of strings, found {item.KindName} in the array");
            }

            if (text.Length == 0 || text.AsSpan().IndexOfAny('\n', '\r', '\0') >= 0)
            {
                throw Error(item.Line, key, "must be a non-empty path without newline, carriage return or NUL");
            }

            var expanded = text == "~" ? home
                : text.StartsWith("~/", StringComparison.Ordinal) ? System.IO.Path.Combine(home, text[2..])
                : text;
            if (!System.IO.Path.IsPathFullyQualified(expanded))
            {
                throw Error(item.Line, key, $"'{text}' must be an absolute path or start with ~/");
            }

            paths.Add(expanded);
        }

        return paths;
    }

    private T? Get<T>(string key, TomlKind kind, string expected)
        where T : TomlNode
    {
        if (!Table.TryGetEntry(key, out var entry))
        {
            return null;
        }

        if (entry.Value.Kind != kind)
        {
            throw Error(entry.Line, key, $"expected {expected}, found {entry.Value.KindName}");
        }

        return (T)entry.Value;
    }
}
