namespace SshMux.Control;

/// <summary>The control socket cannot be used; the message says why and is shown to the person as it is.</summary>
internal class ControlException : Exception
{
    public ControlException()
    {
    }

    public ControlException(string message)
        : base(message)
    {
    }

    public ControlException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>No daemon answers on the control socket.</summary>
internal sealed class DaemonNotRunningException : ControlException
{
    public DaemonNotRunningException()
    {
    }

    public DaemonNotRunningException(string message)
        : base(message)
    {
    }

    public DaemonNotRunningException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
