namespace SshMux.Paths;

/// <summary>A security-sensitive path that ssh-mux refuses to read or write, and why.</summary>
internal sealed class UnsafePathException : IOException
{
    public UnsafePathException(string path, string problem)
        : base($"refusing {path}: {problem}")
    {
        UnsafePath = path;
        Problem = problem;
    }

    public string UnsafePath { get; }

    public string Problem { get; }
}
