namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// The part of glob(3) that Include uses: '*' and '?' in any path component (through
/// <see cref="OpenSshPattern.Match"/>), a leading '.' matched only by a pattern that starts with
/// '.', results sorted by byte order, only existing paths returned. Bracket expressions
/// ("[abc]") are not supported: a '[' matches itself.
/// </summary>
internal static class SshConfigGlob
{
    public static IReadOnlyList<string> Expand(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.IndexOfAny(['*', '?']) < 0)
        {
            return File.Exists(pattern) || Directory.Exists(pattern) ? [pattern] : [];
        }

        var rooted = pattern.StartsWith('/');
        var components = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = new List<string> { rooted ? "/" : "." };
        foreach (var component in components)
        {
            var next = new List<string>();
            var isPattern = component.IndexOfAny(['*', '?']) >= 0;
            foreach (var directory in current)
            {
                if (!isPattern)
                {
                    next.Add(Path.Combine(directory, component));
                    continue;
                }

                if (!Directory.Exists(directory))
                {
                    continue;
                }

                IEnumerable<string> names;
                try
                {
                    names = Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>().ToList();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // glob(3) skips directories it cannot read.
                    continue;
                }

                foreach (var name in names)
                {
                    if (name.StartsWith('.') && !component.StartsWith('.'))
                    {
                        continue;
                    }

                    if (OpenSshPattern.Match(name, component))
                    {
                        next.Add(Path.Combine(directory, name));
                    }
                }
            }

            current = next;
        }

        var found = current.Where(p => File.Exists(p) || Directory.Exists(p))
            .Select(p => rooted ? p : Path.GetRelativePath(".", p))
            .ToList();
        found.Sort(StringComparer.Ordinal);
        return found;
    }
}
