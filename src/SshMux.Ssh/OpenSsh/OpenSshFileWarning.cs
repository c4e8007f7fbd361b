namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// A line of an authorized_keys or known_hosts file that was skipped, with where it is and why
/// (sshd and ssh skip such lines and go on with the rest of the file).
/// </summary>
public sealed record OpenSshFileWarning(string FileName, int LineNumber, string Message)
{
    public override string ToString() => $"{FileName}:{LineNumber}: {Message}";
}
