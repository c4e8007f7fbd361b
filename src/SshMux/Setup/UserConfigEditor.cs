namespace SshMux.Setup;

/// <summary>What <see cref="UserConfigEditor.Edit"/> did to ~/.ssh/config.</summary>
internal sealed record UserConfigEdit(string Text, bool IncludeAdded, IReadOnlyList<string> Disabled, IReadOnlyList<string> Restored);

/// <summary>
/// Edits the user's ~/.ssh/config as little as possible: the Include line goes at the very
/// top (ssh keeps the first value it finds for an option, so the generated blocks must come
/// first), and a user Host block that names a route is commented out line by line with
/// <see cref="Marker"/>, so its options (IdentityFile, LocalForward, ...) do not mix into the
/// route's. A later run uncomments a marked block whose names no longer match any route.
/// Everything else, line endings included, is kept byte for byte.
/// </summary>
internal static class UserConfigEditor
{
    public const string Marker = "#ssh-mux-disabled: ";

    public static UserConfigEdit Edit(string? original, string includeLine, IReadOnlyCollection<string> routeNames)
    {
        ArgumentNullException.ThrowIfNull(includeLine);
        ArgumentNullException.ThrowIfNull(routeNames);
        var text = original ?? string.Empty;
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = text.Split('\n').ToList();
        var names = new HashSet<string>(routeNames, StringComparer.OrdinalIgnoreCase);

        var restored = Restore(lines, names);
        var disabled = Disable(lines, names);
        var includeAdded = !lines.Any(l => l.TrimEnd('\r').Trim() == includeLine);
        if (includeAdded)
        {
            lines.InsertRange(0, [
                "# Added by `ssh-mux setup-config`; it must stay above every Host block." + (newline.Length == 2 ? "\r" : string.Empty),
                includeLine + (newline.Length == 2 ? "\r" : string.Empty),
                newline.Length == 2 ? "\r" : string.Empty,
            ]);
            if (text.Length == 0)
            {
                // The Split of an empty file gave one empty line; it would become a second blank line.
                lines.RemoveAt(lines.Count - 1);
            }
        }

        return new UserConfigEdit(string.Join('\n', lines), includeAdded, disabled, restored);
    }

    private static List<string> Restore(List<string> lines, HashSet<string> routeNames)
    {
        var restored = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (!lines[i].StartsWith(Marker, StringComparison.Ordinal)
                || SshConfigText.HostPatterns(lines[i][Marker.Length..].TrimEnd('\r')) is not { } patterns)
            {
                continue;
            }

            var end = i + 1;
            while (end < lines.Count && lines[end].StartsWith(Marker, StringComparison.Ordinal)
                && !SshConfigText.StartsBlock(lines[end][Marker.Length..]))
            {
                end++;
            }

            if (!patterns.Any(routeNames.Contains))
            {
                for (var j = i; j < end; j++)
                {
                    lines[j] = lines[j][Marker.Length..];
                }

                restored.Add(string.Join(' ', patterns));
            }

            i = end - 1;
        }

        return restored;
    }

    private static List<string> Disable(List<string> lines, HashSet<string> routeNames)
    {
        var disabled = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (SshConfigText.HostPatterns(lines[i].TrimEnd('\r')) is not { } patterns || !patterns.Any(routeNames.Contains))
            {
                continue;
            }

            var end = i + 1;
            while (end < lines.Count && !SshConfigText.StartsBlock(lines[end]) && !lines[end].StartsWith(Marker, StringComparison.Ordinal))
            {
                end++;
            }

            // Blank and comment lines at the end of a block usually introduce the next one.
            while (end > i + 1 && IsBlankOrComment(lines[end - 1]))
            {
                end--;
            }

            for (var j = i; j < end; j++)
            {
                lines[j] = Marker + lines[j];
            }

            disabled.Add(string.Join(' ', patterns));
            i = end - 1;
        }

        return disabled;
    }

    private static bool IsBlankOrComment(string line)
    {
        var trimmed = line.Trim();
        return trimmed.Length == 0 || trimmed[0] == '#';
    }
}
