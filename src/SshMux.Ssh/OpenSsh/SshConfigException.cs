namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// An ssh_config file ssh itself would refuse ("FILE line N: ..." followed by "terminating"), or
/// a value ssh-mux cannot use. <see cref="FileName"/> and <see cref="LineNumber"/> say where,
/// when the problem is on a line.
/// </summary>
public sealed class SshConfigException : Exception
{
    public SshConfigException()
    {
    }

    public SshConfigException(string message)
        : base(message)
    {
    }

    public SshConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SshConfigException(string fileName, int lineNumber, string message)
        : base($"{fileName}:{lineNumber}: {message}")
    {
        FileName = fileName;
        LineNumber = lineNumber;
    }

    public string? FileName { get; }

    public int LineNumber { get; }
}
