using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace SshMux.Toml;

/// <summary>
/// A TOML 1.0.0 parser (https://toml.io/en/v1.0.0) that keeps every key's and value's position.
/// It enforces the spec's structural rules: no key defined twice, a [table] defined once (a
/// prefix created implicitly may be defined later), tables made by dotted keys may not be
/// reopened by a [header], [header] tables may not be extended by dotted keys from another
/// section, inline tables and static arrays are complete once written, and [[array]] headers
/// only extend arrays of tables.
/// </summary>
internal sealed class TomlParser
{
    /// <summary>Nested arrays and inline tables are parsed recursively; cap the depth so hostile input fails cleanly instead of exhausting the stack.</summary>
    private const int MaxDepth = 100;

    private readonly TomlReader _reader;
    private readonly TomlTable _root = new(1, 1, TomlTableOrigin.Root);
    private TomlTable _current;
    private string _currentPath = string.Empty;

    private TomlParser(string text)
    {
        _reader = new TomlReader(text);
        _current = _root;
    }

    /// <summary>Parses UTF-8 bytes; invalid UTF-8 (including encoded surrogates) is an error with its position.</summary>
    public static TomlTable Parse(ReadOnlySpan<byte> utf8)
    {
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(1, utf8.Length));
        try
        {
            var status = Utf8.ToUtf16(utf8, chars, out var bytesRead, out var written, replaceInvalidSequences: false);
            if (status != OperationStatus.Done)
            {
                var prefix = Encoding.UTF8.GetString(utf8[..bytesRead]);
                var line = prefix.Count(c => c == '\n') + 1;
                var column = prefix.Length - (prefix.LastIndexOf('\n') + 1) + 1;
                throw new TomlException("the file is not valid UTF-8", line, column);
            }

            return Parse(new string(chars, 0, written));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    public static TomlTable Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith('\uFEFF'))
        {
            text = text[1..];
        }

        var parser = new TomlParser(text);
        parser.ParseDocument();
        return parser._root;
    }

    private void ParseDocument()
    {
        while (true)
        {
            _reader.SkipBlank();
            if (_reader.AtEnd)
            {
                return;
            }

            if (_reader.Peek() == '[')
            {
                ParseHeader();
                _reader.ExpectLineEnd("a table header");
            }
            else
            {
                ParseKeyValue(_current, _currentPath, 0);
                _reader.ExpectLineEnd("a key/value pair");
            }
        }
    }

    private void ParseHeader()
    {
        var line = _reader.Line;
        var column = _reader.Column;
        var isArray = _reader.Peek(1) == '[';
        _reader.Advance(isArray ? 2 : 1);
        var keys = _reader.ReadKey();
        var path = Join(string.Empty, keys, keys.Count);
        ExpectChar(']', path);
        if (isArray)
        {
            ExpectChar(']', path);
        }

        var parent = _root;
        for (var i = 0; i < keys.Count - 1; i++)
        {
            parent = DescendForHeader(parent, keys[i], Join(string.Empty, keys, i + 1));
        }

        var last = keys[^1];
        _currentPath = path;
        if (!parent.TryGetEntry(last.Name, out var existing))
        {
            var table = new TomlTable(line, column, isArray ? TomlTableOrigin.ArrayElement : TomlTableOrigin.Header);
            TomlNode node = table;
            if (isArray)
            {
                var array = new TomlArray(line, column, isTableArray: true);
                array.Add(table);
                node = array;
            }

            parent.TryAdd(new TomlEntry(last.Name, node, last.Line, last.Column));
            _current = table;
            return;
        }

        switch (existing.Value)
        {
            case TomlArray { IsTableArray: true } array when isArray:
                var element = new TomlTable(line, column, TomlTableOrigin.ArrayElement);
                array.Add(element);
                _current = element;
                return;
            case TomlTable { Origin: TomlTableOrigin.Implicit } table when !isArray:
                table.Origin = TomlTableOrigin.Header;
                table.Line = line;
                table.Column = column;
                _current = table;
                return;
            default:
                throw TomlReader.Error(Redefinition(path, existing, isArray ? "an array of tables" : "a table"), last.Line, last.Column);
        }
    }

    private static TomlTable DescendForHeader(TomlTable table, TomlKeyPart part, string path)
    {
        if (!table.TryGetEntry(part.Name, out var entry))
        {
            var created = new TomlTable(part.Line, part.Column, TomlTableOrigin.Implicit);
            table.TryAdd(new TomlEntry(part.Name, created, part.Line, part.Column));
            return created;
        }

        return entry.Value switch
        {
            TomlTable { Frozen: false } sub => sub,
            TomlArray { IsTableArray: true } array => (TomlTable)array.Items[^1],
            _ => throw TomlReader.Error(NotExtensible(path, entry), part.Line, part.Column),
        };
    }

    /// <summary>A dotted key may only pass through tables other dotted keys created (TOML 1.0.0 "Table": defining a [table] via dotted keys and reopening it is invalid, and vice versa).</summary>
    private static TomlTable DescendForDottedKey(TomlTable table, TomlKeyPart part, string path)
    {
        if (!table.TryGetEntry(part.Name, out var entry))
        {
            var created = new TomlTable(part.Line, part.Column, TomlTableOrigin.Dotted);
            table.TryAdd(new TomlEntry(part.Name, created, part.Line, part.Column));
            return created;
        }

        if (entry.Value is TomlTable { Origin: TomlTableOrigin.Dotted, Frozen: false } sub)
        {
            return sub;
        }

        if (entry.Value is TomlTable { Origin: TomlTableOrigin.Header or TomlTableOrigin.Implicit })
        {
            throw TomlReader.Error($"table '{path}' was created by a [{path}] header section (line {entry.Line}); dotted keys elsewhere cannot add to it", part.Line, part.Column);
        }

        throw TomlReader.Error(NotExtensible(path, entry), part.Line, part.Column);
    }

    private void ParseKeyValue(TomlTable table, string tablePath, int depth)
    {
        var keys = _reader.ReadKey();
        if (_reader.Peek() != '=')
        {
            throw _reader.Error($"expected '=' after key '{Join(tablePath, keys, keys.Count)}', found {TomlReader.Describe(_reader.Peek())}");
        }

        _reader.Advance();
        _reader.SkipWhitespace();
        var value = ParseValue(depth);
        var target = table;
        for (var i = 0; i < keys.Count - 1; i++)
        {
            target = DescendForDottedKey(target, keys[i], Join(tablePath, keys, i + 1));
        }

        var last = keys[^1];
        if (!target.TryAdd(new TomlEntry(last.Name, value, last.Line, last.Column)))
        {
            var path = Join(tablePath, keys, keys.Count);
            target.TryGetEntry(last.Name, out var first);
            throw TomlReader.Error($"key '{path}' is already defined (line {first.Line})", last.Line, last.Column);
        }
    }

    private TomlNode ParseValue(int depth)
    {
        if (depth > MaxDepth)
        {
            throw _reader.Error($"arrays and inline tables are nested more than {MaxDepth} deep");
        }

        var line = _reader.Line;
        var column = _reader.Column;
        switch (_reader.Peek())
        {
            case '"' or '\'':
                return new TomlValue(TomlKind.String, _reader.ReadString(), line, column);
            case '[':
                return ParseArray(line, column, depth);
            case '{':
                return ParseInlineTable(line, column, depth);
        }

        var token = _reader.ReadToken();
        if (token.Length == 0)
        {
            throw _reader.Error($"expected a value, found {TomlReader.Describe(_reader.Peek())}");
        }

        // RFC 3339 lets a space stand for the 'T' between date and time (TOML 1.0.0 "Offset Date-Time").
        if (token.Length == 10 && token[4] == '-' && _reader.Peek() == ' '
            && char.IsAsciiDigit((char)_reader.Peek(1)) && char.IsAsciiDigit((char)_reader.Peek(2)) && _reader.Peek(3) == ':')
        {
            _reader.Advance();
            token = token + " " + _reader.ReadToken();
        }

        return TomlScalars.Parse(token, line, column);
    }

    private TomlArray ParseArray(int line, int column, int depth)
    {
        _reader.Advance();
        var array = new TomlArray(line, column, isTableArray: false);
        while (true)
        {
            _reader.SkipBlank();
            if (_reader.Peek() == ']')
            {
                _reader.Advance();
                return array;
            }

            array.Add(ParseValue(depth + 1));
            _reader.SkipBlank();
            switch (_reader.Peek())
            {
                case ',':
                    _reader.Advance();
                    break;
                case ']':
                    _reader.Advance();
                    return array;
                default:
                    throw _reader.Error($"expected ',' or ']' in an array, found {TomlReader.Describe(_reader.Peek())}");
            }
        }
    }

    private TomlTable ParseInlineTable(int line, int column, int depth)
    {
        _reader.Advance();
        var table = new TomlTable(line, column, TomlTableOrigin.Inline);
        _reader.SkipWhitespace();
        if (_reader.Peek() == '}')
        {
            _reader.Advance();
            table.Frozen = true;
            return table;
        }

        while (true)
        {
            ParseKeyValue(table, string.Empty, depth + 1);
            _reader.SkipWhitespace();
            switch (_reader.Peek())
            {
                case ',':
                    _reader.Advance();
                    break;
                case '}':
                    _reader.Advance();
                    table.Frozen = true;
                    return table;
                default:
                    throw _reader.Error($"expected ',' or '}}' in an inline table (which must stay on one line), found {TomlReader.Describe(_reader.Peek())}");
            }
        }
    }

    private void ExpectChar(char c, string path)
    {
        if (_reader.Peek() != c)
        {
            throw _reader.Error($"expected '{c}' to close the header of '{path}', found {TomlReader.Describe(_reader.Peek())}");
        }

        _reader.Advance();
    }

    private static string Redefinition(string path, TomlEntry existing, string what) => existing.Value switch
    {
        TomlTable { Origin: TomlTableOrigin.Dotted } => $"cannot define '{path}' as {what}: dotted keys already defined it (line {existing.Line})",
        TomlTable { Origin: TomlTableOrigin.Inline } => $"cannot define '{path}' as {what}: it is an inline table (line {existing.Line})",
        TomlTable => $"cannot define '{path}' as {what}: it is already a table (line {existing.Line})",
        TomlArray { IsTableArray: true } => $"cannot define '{path}' as {what}: it is already an array of tables (line {existing.Line})",
        _ => $"cannot define '{path}' as {what}: it is already {existing.Value.KindName} (line {existing.Line})",
    };

    private static string NotExtensible(string path, TomlEntry entry) => entry.Value is TomlTable
        ? $"'{path}' is an inline table (line {entry.Line}) and cannot be extended"
        : $"'{path}' is already {entry.Value.KindName} (line {entry.Line}), not a table";

    private static string Join(string prefix, List<TomlKeyPart> keys, int count)
    {
        var sb = new StringBuilder(prefix);
        for (var i = 0; i < count; i++)
        {
            if (sb.Length > 0)
            {
                sb.Append('.');
            }

            sb.Append(keys[i].Name);
        }

        return sb.ToString();
    }
}
