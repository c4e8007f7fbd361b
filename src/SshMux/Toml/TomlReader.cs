using System.Globalization;
using System.Text;

namespace SshMux.Toml;

/// <summary>One part of a dotted key and where it was written.</summary>
internal readonly record struct TomlKeyPart(string Name, int Line, int Column);

/// <summary>
/// The lexical layer of TOML 1.0.0: position tracking, white space, comments, newlines, keys
/// and the four string forms. The structural rules live in <see cref="TomlParser"/>.
/// </summary>
internal sealed class TomlReader(string text)
{
    private const int End = -1;

    private readonly string _text = text;
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    public int Line => _line;

    public int Column => _pos - _lineStart + 1;

    public bool AtEnd => _pos >= _text.Length;

    public int Peek(int offset = 0) => _pos + offset < _text.Length ? _text[_pos + offset] : End;

    public void Advance(int count = 1) => _pos += count;

    public TomlException Error(string reason) => new(reason, _line, Column);

    public static TomlException Error(string reason, int line, int column) => new(reason, line, column);

    /// <summary>TOML forbids U+0000-U+0008, U+000A-U+001F and U+007F in comments and strings (tab is allowed).</summary>
    public static bool IsControl(int c) => (c < 0x20 && c != '\t') || c == 0x7F;

    public static bool IsBareKeyChar(int c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-';

    /// <summary>Characters that can make up a number, boolean or date-time token.</summary>
    public static bool IsTokenChar(int c) => IsBareKeyChar(c) || c is '+' or '.' or ':';

    public void SkipWhitespace()
    {
        while (Peek() is ' ' or '\t')
        {
            _pos++;
        }
    }

    /// <summary>Consumes a comment up to (not including) its newline, rejecting control characters in it.</summary>
    public void SkipComment()
    {
        if (Peek() != '#')
        {
            return;
        }

        _pos++;
        while (!AtEnd && Peek() != '\n')
        {
            if (Peek() == '\r' && Peek(1) == '\n')
            {
                return;
            }

            if (IsControl(Peek()))
            {
                throw Error($"control character U+{Peek():X4} is not allowed in a comment");
            }

            _pos++;
        }
    }

    /// <summary>Consumes LF or CRLF; a CR not followed by LF is an error (TOML allows only these two newlines).</summary>
    public bool TryNewline()
    {
        if (Peek() == '\n')
        {
            NewLineAt(_pos + 1);
            return true;
        }

        if (Peek() == '\r')
        {
            if (Peek(1) != '\n')
            {
                throw Error("a carriage return must be followed by a line feed");
            }

            NewLineAt(_pos + 2);
            return true;
        }

        return false;
    }

    /// <summary>After a key/value pair or a header only white space and a comment may follow on the line.</summary>
    public void ExpectLineEnd(string after)
    {
        SkipWhitespace();
        SkipComment();
        if (!AtEnd && !TryNewline())
        {
            throw Error($"expected the end of the line after {after}, found {Describe(Peek())}");
        }
    }

    /// <summary>Skips white space, comments and newlines (between array elements and between lines).</summary>
    public void SkipBlank()
    {
        while (true)
        {
            SkipWhitespace();
            SkipComment();
            if (!TryNewline())
            {
                return;
            }
        }
    }

    /// <summary>Reads a bare token (number, boolean or date-time text).</summary>
    public string ReadToken()
    {
        var start = _pos;
        while (IsTokenChar(Peek()))
        {
            _pos++;
        }

        return _text[start.._pos];
    }

    /// <summary>Reads a possibly dotted key; every part keeps its own position.</summary>
    public List<TomlKeyPart> ReadKey()
    {
        var parts = new List<TomlKeyPart>();
        while (true)
        {
            SkipWhitespace();
            var line = _line;
            var column = Column;
            string part;
            if (Peek() == '"')
            {
                if (Peek(1) == '"' && Peek(2) == '"')
                {
                    throw Error("a multi-line string cannot be a key");
                }

                part = ReadBasicString();
            }
            else if (Peek() == '\'')
            {
                if (Peek(1) == '\'' && Peek(2) == '\'')
                {
                    throw Error("a multi-line string cannot be a key");
                }

                part = ReadLiteralString();
            }
            else
            {
                var start = _pos;
                while (IsBareKeyChar(Peek()))
                {
                    _pos++;
                }

                if (start == _pos)
                {
                    throw Error($"expected a key, found {Describe(Peek())}");
                }

                part = _text[start.._pos];
            }

            parts.Add(new TomlKeyPart(part, line, column));
            SkipWhitespace();
            if (Peek() != '.')
            {
                return parts;
            }

            _pos++;
        }
    }

    /// <summary>Reads any of the four string forms, the reader being on the opening quote.</summary>
    public string ReadString()
    {
        var quote = (char)Peek();
        var multi = Peek(1) == quote && Peek(2) == quote;
        return (quote, multi) switch
        {
            ('"', true) => ReadMultiLine('"'),
            ('"', false) => ReadBasicString(),
            (_, true) => ReadMultiLine('\''),
            _ => ReadLiteralString(),
        };
    }

    private string ReadBasicString()
    {
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            var c = Peek();
            if (c == '"')
            {
                _pos++;
                return sb.ToString();
            }

            if (c == End || c == '\n' || (c == '\r' && Peek(1) == '\n'))
            {
                throw Error("unterminated string (a basic string must end on its line)");
            }

            if (c == '\\')
            {
                ReadEscape(sb);
            }
            else if (IsControl(c))
            {
                throw Error($"control character U+{c:X4} must be escaped in a string");
            }
            else
            {
                sb.Append((char)c);
                _pos++;
            }
        }
    }

    private string ReadLiteralString()
    {
        _pos++;
        var start = _pos;
        while (Peek() != '\'')
        {
            var c = Peek();
            if (c == End || c == '\n' || (c == '\r' && Peek(1) == '\n'))
            {
                throw Error("unterminated literal string (it must end on its line)");
            }

            if (IsControl(c))
            {
                throw Error($"control character U+{c:X4} is not allowed in a literal string");
            }

            _pos++;
        }

        var value = _text[start.._pos];
        _pos++;
        return value;
    }

    /// <summary>
    /// """...""" or '''...''': a newline right after the opening delimiter is dropped, up to two
    /// quotes may appear anywhere (also just before the closing three), and in the basic form a
    /// backslash ending a line trims all white space and newlines that follow it.
    /// </summary>
    private string ReadMultiLine(char quote)
    {
        _pos += 3;
        TryNewline();
        var sb = new StringBuilder();
        while (true)
        {
            var c = Peek();
            if (c == End)
            {
                throw Error("unterminated multi-line string");
            }

            if (c == quote && Peek(1) == quote && Peek(2) == quote)
            {
                var run = 3;
                while (Peek(run) == quote)
                {
                    run++;
                }

                if (run > 5)
                {
                    throw Error("too many quotes at the end of a multi-line string");
                }

                sb.Append(quote, run - 3);
                _pos += run;
                return sb.ToString();
            }

            if (c is '\n' or '\r')
            {
                TryNewline();
                sb.Append('\n');
            }
            else if (c == '\\' && quote == '"')
            {
                if (!TrySkipLineEndingBackslash())
                {
                    ReadEscape(sb);
                }
            }
            else if (IsControl(c))
            {
                throw Error($"control character U+{c:X4} is not allowed in a multi-line string");
            }
            else
            {
                sb.Append((char)c);
                _pos++;
            }
        }
    }

    private bool TrySkipLineEndingBackslash()
    {
        var look = _pos + 1;
        while (look < _text.Length && _text[look] is ' ' or '\t')
        {
            look++;
        }

        if (look >= _text.Length || _text[look] is not ('\n' or '\r'))
        {
            return false;
        }

        _pos = look;
        while (true)
        {
            SkipWhitespace();
            if (!TryNewline())
            {
                return true;
            }
        }
    }

    private void ReadEscape(StringBuilder sb)
    {
        var line = _line;
        var column = Column;
        _pos++;
        var c = Peek();
        _pos++;
        switch (c)
        {
            case 'b': sb.Append('\b'); break;
            case 't': sb.Append('\t'); break;
            case 'n': sb.Append('\n'); break;
            case 'f': sb.Append('\f'); break;
            case 'r': sb.Append('\r'); break;
            case '"': sb.Append('"'); break;
            case '\\': sb.Append('\\'); break;
            case 'u': sb.Append(ReadUnicodeEscape(4, line, column)); break;
            case 'U': sb.Append(ReadUnicodeEscape(8, line, column)); break;
            default:
                throw Error($"invalid escape sequence '\\{(c == End ? string.Empty : ((char)c).ToString())}'", line, column);
        }
    }

    private string ReadUnicodeEscape(int digits, int line, int column)
    {
        if (_pos + digits > _text.Length)
        {
            throw Error($"\\{(digits == 4 ? 'u' : 'U')} needs {digits} hex digits", line, column);
        }

        var hex = _text.AsSpan(_pos, digits);
        foreach (var h in hex)
        {
            if (!char.IsAsciiHexDigit(h))
            {
                throw Error($"\\{(digits == 4 ? 'u' : 'U')} needs {digits} hex digits", line, column);
            }
        }

        var code = long.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        if (code > 0x10FFFF || code is >= 0xD800 and <= 0xDFFF)
        {
            throw Error($"escape \\{(digits == 4 ? 'u' : 'U')}{hex} is not a Unicode scalar value", line, column);
        }

        _pos += digits;
        return char.ConvertFromUtf32((int)code);
    }

    private void NewLineAt(int next)
    {
        _pos = next;
        _line++;
        _lineStart = next;
    }

    public static string Describe(int c) => c switch
    {
        End => "the end of the file",
        '\n' or '\r' => "a newline",
        _ when IsControl(c) => $"control character U+{c:X4}",
        _ => $"'{(char)c}'",
    };
}
