namespace SshMux.Toml;

/// <summary>The TOML 1.0.0 value types; the four date-time kinds are those of spec section "Offset Date-Time" onwards.</summary>
internal enum TomlKind
{
    String,
    Integer,
    Float,
    Boolean,
    OffsetDateTime,
    LocalDateTime,
    LocalDate,
    LocalTime,
    Array,
    Table,
}

/// <summary>A value in a TOML document, with the place it was written so callers can say FILE:LINE.</summary>
internal abstract class TomlNode(int line, int column)
{
    /// <summary>1-based line where the value (or the table's defining header) starts.</summary>
    public int Line { get; internal set; } = line;

    /// <summary>1-based column where the value starts.</summary>
    public int Column { get; internal set; } = column;

    public abstract TomlKind Kind { get; }

    /// <summary>The TOML name of the kind, for "expected a string, found an integer" messages.</summary>
    public string KindName => Kind switch
    {
        TomlKind.String => "a string",
        TomlKind.Integer => "an integer",
        TomlKind.Float => "a float",
        TomlKind.Boolean => "a boolean",
        TomlKind.OffsetDateTime => "an offset date-time",
        TomlKind.LocalDateTime => "a local date-time",
        TomlKind.LocalDate => "a local date",
        TomlKind.LocalTime => "a local time",
        TomlKind.Array => "an array",
        _ => "a table",
    };
}

/// <summary>
/// A string, integer (long), float (double), boolean, offset date-time (DateTimeOffset), local
/// date-time (DateTime, Kind Unspecified), local date (DateOnly) or local time (TimeOnly).
/// Fractional seconds beyond the 100 ns a tick holds are truncated, which TOML 1.0.0 permits
/// ("Offset Date-Time": excess precision may be truncated).
/// </summary>
internal sealed class TomlValue(TomlKind kind, object value, int line, int column) : TomlNode(line, column)
{
    public override TomlKind Kind { get; } = kind;

    public object Value { get; } = value;
}

/// <summary>An array; <see cref="IsTableArray"/> marks one built by [[header]] sections, the only kind a later [[header]] may extend.</summary>
internal sealed class TomlArray(int line, int column, bool isTableArray) : TomlNode(line, column)
{
    private readonly List<TomlNode> _items = [];

    public override TomlKind Kind => TomlKind.Array;

    public bool IsTableArray { get; } = isTableArray;

    public IReadOnlyList<TomlNode> Items => _items;

    internal void Add(TomlNode item) => _items.Add(item);
}

/// <summary>One key of a table and where the key itself was written.</summary>
internal sealed record TomlEntry(string Key, TomlNode Value, int Line, int Column);

/// <summary>How a table came to exist; TOML 1.0.0's redefinition rules depend on it.</summary>
internal enum TomlTableOrigin
{
    /// <summary>The document's root table.</summary>
    Root,

    /// <summary>Created as a prefix of a [header] or [[header]]; a later [header] may still define it.</summary>
    Implicit,

    /// <summary>Defined by its own [header]; may not be defined again.</summary>
    Header,

    /// <summary>Created by a dotted key; only further dotted keys of the same section may extend it.</summary>
    Dotted,

    /// <summary>An inline table: complete once its closing brace is read.</summary>
    Inline,

    /// <summary>One element of an array of tables.</summary>
    ArrayElement,
}

/// <summary>A table; keys keep their document order.</summary>
internal sealed class TomlTable(int line, int column, TomlTableOrigin origin) : TomlNode(line, column)
{
    private readonly Dictionary<string, TomlEntry> _byKey = new(StringComparer.Ordinal);
    private readonly List<TomlEntry> _entries = [];

    public override TomlKind Kind => TomlKind.Table;

    public TomlTableOrigin Origin { get; internal set; } = origin;

    /// <summary>True for an inline table after its closing brace: nothing may add keys to it.</summary>
    internal bool Frozen { get; set; }

    public IReadOnlyList<TomlEntry> Entries => _entries;

    public int Count => _entries.Count;

    public TomlNode? this[string key] => _byKey.TryGetValue(key, out var entry) ? entry.Value : null;

    public bool TryGetEntry(string key, out TomlEntry entry) => _byKey.TryGetValue(key, out entry!);

    internal bool TryAdd(TomlEntry entry)
    {
        if (!_byKey.TryAdd(entry.Key, entry))
        {
            return false;
        }

        _entries.Add(entry);
        return true;
    }
}
