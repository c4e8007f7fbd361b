namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// OpenSSH's wildcard patterns (ssh_config(5) PATTERNS; match.c): '*' matches any run of
/// characters, '?' exactly one, everything else itself. Pattern lists are comma-separated and
/// an entry starting with '!' is a negation that vetoes the whole list when it matches.
/// </summary>
public static class OpenSshPattern
{
    /// <summary>match.c copies each list entry into a 1024-byte buffer; a longer entry makes the whole list fail.</summary>
    private const int MaxSubpatternLength = 1023;

    /// <summary>
    /// match_pattern: does <paramref name="text"/> match <paramref name="pattern"/>? Runs in
    /// O(|text| * |pattern|) at worst (a star backtracks only to the last star), so hostile
    /// patterns such as "*a*a*a*b" cannot blow up.
    /// </summary>
    public static bool Match(ReadOnlySpan<char> text, ReadOnlySpan<char> pattern)
    {
        int t = 0, p = 0, starPattern = -1, starText = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starPattern = p++;
                starText = t;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (starPattern >= 0)
            {
                // Let the last star swallow one more character and retry from just after it.
                p = starPattern + 1;
                t = ++starText;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>
    /// match_pattern_list: 1 when some entry matches and no negated entry does, -1 when a negated
    /// entry matches, 0 when nothing matches. With <paramref name="lowercasePattern"/> the
    /// entries are compared in ASCII lower case (the caller lowers the text itself).
    /// </summary>
    public static int MatchList(string text, string patternList, bool lowercasePattern = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(patternList);
        var gotPositive = false;
        var i = 0;
        while (i < patternList.Length)
        {
            var negated = patternList[i] == '!';
            if (negated)
            {
                i++;
            }

            var end = patternList.IndexOf(',', i);
            if (end < 0)
            {
                end = patternList.Length;
            }

            var entry = patternList.AsSpan(i, end - i);
            if (entry.Length >= MaxSubpatternLength)
            {
                return 0;
            }

            i = end < patternList.Length ? end + 1 : end;
            var matched = lowercasePattern ? MatchLowercased(text, entry) : Match(text, entry);
            if (matched)
            {
                if (negated)
                {
                    return -1;
                }

                gotPositive = true;
            }
        }

        return gotPositive ? 1 : 0;
    }

    /// <summary>match_hostname: <see cref="MatchList"/> with the host name and the patterns in ASCII lower case.</summary>
    public static int MatchHostName(string host, string patternList) =>
        MatchList(ToLowerAscii(host), patternList, lowercasePattern: true);

    /// <summary>ASCII-only lower casing, like OpenSSH's lowercase() / tolower() in the C locale.</summary>
    public static string ToLowerAscii(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in text)
        {
            if (c is >= 'A' and <= 'Z')
            {
                return string.Create(text.Length, text, static (span, source) =>
                {
                    for (var k = 0; k < source.Length; k++)
                    {
                        var ch = source[k];
                        span[k] = ch is >= 'A' and <= 'Z' ? (char)(ch + 32) : ch;
                    }
                });
            }
        }

        return text;
    }

    private static bool MatchLowercased(string text, ReadOnlySpan<char> entry)
    {
        Span<char> lowered = entry.Length <= 256 ? stackalloc char[entry.Length] : new char[entry.Length];
        for (var k = 0; k < entry.Length; k++)
        {
            var ch = entry[k];
            lowered[k] = ch is >= 'A' and <= 'Z' ? (char)(ch + 32) : ch;
        }

        return Match(text, lowered);
    }
}
