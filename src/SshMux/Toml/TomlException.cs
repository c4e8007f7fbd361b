namespace SshMux.Toml;

/// <summary>A TOML document that does not follow TOML 1.0.0, with where the problem is.</summary>
internal sealed class TomlException : Exception
{
    public TomlException()
        : this("invalid TOML", 1, 1)
    {
    }

    public TomlException(string message)
        : this(message, 1, 1)
    {
    }

    public TomlException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
        Line = 1;
        Column = 1;
    }

    public TomlException(string reason, int line, int column)
        : base($"line {line}, column {column}: {reason}")
    {
        Reason = reason;
        Line = line;
        Column = column;
    }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; }

    /// <summary>1-based line of the offending text.</summary>
    public int Line { get; }

    /// <summary>1-based column (UTF-16 code units) of the offending text.</summary>
    public int Column { get; }
}
