namespace SshMux.Ssh.Transport;

public enum SshLogLevel
{
    Trace,
    Debug,
    Info,
    Warning,
    Error,
}

/// <summary>
/// Where the SSH stack reports what it does. Messages never contain key material,
/// passwords or one-time codes.
/// </summary>
public delegate void SshLog(SshLogLevel level, string message);
