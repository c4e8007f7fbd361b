using System.Text.RegularExpressions;

namespace SshMux.Trust;

/// <summary>
/// The HashKnownHosts value the user's ssh applies to every host: the first one in ssh_config(5)
/// order (the user's file, then the system file) that is outside any Host/Match block or inside
/// a "Host *" block, following Include. A value scoped to particular hosts is not applied: it is
/// a cosmetic choice (names in the file hashed or plain), never a trust decision.
/// </summary>
internal static partial class HashKnownHostsSetting
{
    private const int MaxIncludeDepth = 16;

    /// <summary>True or false when a file sets it for all hosts; null when none does (OpenSSH's default is no).</summary>
    public static bool? Read(IReadOnlyList<string> configFiles)
    {
        ArgumentNullException.ThrowIfNull(configFiles);
        foreach (var file in configFiles)
        {
            if (ReadFile(file, Path.GetDirectoryName(file) ?? ".", 0) is { } value)
            {
                return value;
            }
        }

        return null;
    }

    private static bool? ReadFile(string path, string baseDirectory, int depth)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var applies = true;
        foreach (var raw in lines)
        {
            var match = Line().Match(raw);
            if (!match.Success)
            {
                continue;
            }

            var keyword = match.Groups["key"].Value;
            var value = match.Groups["value"].Value.Trim().Trim('"');
            if (keyword.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                applies = value == "*";
            }
            else if (keyword.Equals("Match", StringComparison.OrdinalIgnoreCase))
            {
                applies = value.Equals("all", StringComparison.OrdinalIgnoreCase);
            }
            else if (applies && keyword.Equals("Include", StringComparison.OrdinalIgnoreCase) && depth < MaxIncludeDepth)
            {
                foreach (var included in Expand(value, baseDirectory))
                {
                    if (ReadFile(included, baseDirectory, depth + 1) is { } found)
                    {
                        return found;
                    }
                }
            }
            else if (applies && keyword.Equals("HashKnownHosts", StringComparison.OrdinalIgnoreCase))
            {
                return value.Equals("yes", StringComparison.OrdinalIgnoreCase);
            }
        }

        return null;
    }

    /// <summary>Include arguments: absolute, ~/, or relative to ~/.ssh (user file) or /etc/ssh (system file), with a glob in the file name.</summary>
    private static IEnumerable<string> Expand(string arguments, string baseDirectory)
    {
        foreach (var argument in arguments.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var path = argument.StartsWith("~/", StringComparison.Ordinal)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), argument[2..])
                : Path.IsPathRooted(argument) ? argument : Path.Combine(baseDirectory, argument);
            var directory = Path.GetDirectoryName(path);
            var pattern = Path.GetFileName(path);
            if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
            {
                continue;
            }

            string[] files;
            try
            {
                files = Directory.GetFiles(directory, pattern);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                continue;
            }

            // glob(3) order, as ssh reads them.
            Array.Sort(files, StringComparer.Ordinal);
            foreach (var file in files)
            {
                yield return file;
            }
        }
    }

    [GeneratedRegex(@"^\s*(?<key>[A-Za-z]+)\s*(=\s*|\s+)(?<value>[^#]*)")]
    private static partial Regex Line();
}
