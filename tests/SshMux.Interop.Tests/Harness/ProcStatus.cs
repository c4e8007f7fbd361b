using System.Globalization;

namespace SshMux.Interop.Tests.Harness;

/// <summary>What /proc (Linux) says about a process: its memory use and its children.</summary>
public static class ProcStatus
{
    /// <summary>VmRSS of the process in bytes.</summary>
    public static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                // "VmRSS:     65584 kB"
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(fields[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no VmRSS line");
    }

    /// <summary>The process ids whose parent is <paramref name="pid"/>, from /proc/PID/stat.</summary>
    public static IReadOnlyList<int> Children(int pid)
    {
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // exited meanwhile
            }

            // "PID (comm) STATE PPID ...": comm may hold spaces and parentheses, so split after the last ')'.
            var rest = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (rest.Length > 1 && int.Parse(rest[1], CultureInfo.InvariantCulture) == pid)
            {
                children.Add(candidate);
            }
        }

        return children;
    }
}
