namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// One ssh_config line split the way OpenSSH's readconf.c splits it: the keyword by strdelim()
/// (whitespace or a single '=' ends it, a leading '"' quotes it), lowered in ASCII; the rest by
/// argv_split() with comments ('#' at the start of a token) cut off, "double" and 'single'
/// quotes removed and \" \' \\ and "\ " unescaped. <see cref="Rest"/> keeps the unsplit
/// remainder for keywords that take a whole command (ProxyCommand, LocalCommand...).
/// </summary>
public sealed record SshConfigLine(string FileName, int LineNumber, string Keyword, IReadOnlyList<string> Arguments, string Rest)
{
    private const string Whitespace = " \t\r\n";

    /// <summary>"FILE:LINE", for messages.</summary>
    public string Location => $"{FileName}:{LineNumber}";

    /// <summary>
    /// Splits a line; null for a blank or comment line. Throws <see cref="SshConfigException"/>
    /// for the lines ssh refuses before it looks at the keyword (no argument, unbalanced quotes).
    /// </summary>
    public static SshConfigLine? Parse(string fileName, int lineNumber, string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // readconf.c strips trailing whitespace (and a form feed) before anything else.
        var end = text.Length;
        while (end > 0 && (Whitespace.Contains(text[end - 1], StringComparison.Ordinal) || text[end - 1] == '\f'))
        {
            end--;
        }

        var line = text[..end];
        var position = 0;
        var keyword = NextKeywordToken(line, ref position);
        if (keyword is { Length: 0 })
        {
            // A line that starts with whitespace yields an empty first token.
            keyword = NextKeywordToken(line, ref position);
        }

        if (keyword is null || keyword.Length == 0 || keyword[0] == '#')
        {
            return null;
        }

        keyword = OpenSshPattern.ToLowerAscii(keyword);
        while (position < line.Length && Whitespace.Contains(line[position], StringComparison.Ordinal))
        {
            position++;
        }

        if (position >= line.Length)
        {
            throw new SshConfigException(fileName, lineNumber, $"no argument after keyword \"{keyword}\"");
        }

        var rest = line[position..];
        var arguments = SplitArguments(rest) ?? throw new SshConfigException(fileName, lineNumber, "invalid quotes");
        return new SshConfigLine(fileName, lineNumber, keyword, arguments, rest);
    }

    /// <summary>
    /// misc.c strdelim(): the next token up to whitespace, a quote or one '='; position is left
    /// at the start of the next token. Null when a quote is not closed (ssh then ignores the line).
    /// </summary>
    private static string? NextKeywordToken(string line, ref int position)
    {
        if (position > line.Length)
        {
            return null;
        }

        var start = position;
        var stop = line.IndexOfAny([' ', '\t', '\r', '\n', '"', '='], start);
        if (stop < 0)
        {
            position = line.Length + 1;
            return line[start..];
        }

        if (line[stop] == '"')
        {
            // The quote is dropped and the token runs to the next quote.
            var close = line.IndexOf('"', stop + 1);
            if (close < 0)
            {
                return null;
            }

            var quoted = line[start..stop] + line[(stop + 1)..close];
            position = SkipWhitespace(line, close + 1);
            return quoted;
        }

        var sawEquals = line[stop] == '=';
        var token = line[start..stop];
        position = SkipWhitespace(line, stop + 1);
        if (!sawEquals && position < line.Length && line[position] == '=')
        {
            position = SkipWhitespace(line, position + 1);
        }

        return token;
    }

    private static int SkipWhitespace(string line, int position)
    {
        while (position < line.Length && Whitespace.Contains(line[position], StringComparison.Ordinal))
        {
            position++;
        }

        return position;
    }

    /// <summary>misc.c argv_split(s, ..., terminate_on_comment=1); null when a quote is not closed.</summary>
    public static IReadOnlyList<string>? SplitArguments(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var arguments = new List<string>();
        var current = new System.Text.StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] is ' ' or '\t')
            {
                i++;
                continue;
            }

            if (text[i] == '#')
            {
                break;
            }

            current.Clear();
            var quote = '\0';
            for (; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '\\')
                {
                    var next = i + 1 < text.Length ? text[i + 1] : '\0';
                    if (next is '\'' or '"' or '\\' || (quote == '\0' && next == ' '))
                    {
                        i++;
                        current.Append(next);
                    }
                    else
                    {
                        // An unknown escape keeps its backslash.
                        current.Append(c);
                    }
                }
                else if (quote == '\0' && c is ' ' or '\t')
                {
                    break;
                }
                else if (quote == '\0' && c is '"' or '\'')
                {
                    quote = c;
                }
                else if (quote != '\0' && c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }
            }

            if (quote != '\0')
            {
                return null;
            }

            arguments.Add(current.ToString());
        }

        return arguments;
    }
}
