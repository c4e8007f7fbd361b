namespace SshMux.Routing;

/// <summary>The routes file cannot be used; the message starts with "FILE:LINE:" when a line is to blame.</summary>
internal sealed class RoutesFileException : Exception
{
    public RoutesFileException()
        : this("invalid routes file")
    {
    }

    public RoutesFileException(string message)
        : base(message)
    {
    }

    public RoutesFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>"FILE:LINE: KEY: MESSAGE", the form every routes file error takes.</summary>
    public static RoutesFileException At(string file, int line, string key, string message) =>
        new(key.Length == 0 ? $"{file}:{line}: {message}" : $"{file}:{line}: {key}: {message}");
}
