namespace SshMux.Ssh.Keys;

/// <summary>
/// Asked for the passphrase of an encrypted key file, so callers can prompt only when needed.
/// Returns the passphrase as UTF-8 bytes, or null to give up. The key layer zeroes the array
/// once it has derived the key, so return a fresh array.
/// </summary>
/// <param name="keyDescription">What is being opened (the file path, or "private key" for text).</param>
public delegate byte[]? PassphraseCallback(string keyDescription);

/// <summary>
/// The passphrase did not decrypt the key file (OpenSSH: "incorrect passphrase supplied to
/// decrypt private key"). A separate type so a prompt loop can catch it and ask again.
/// </summary>
public sealed class IncorrectPassphraseException : SshException
{
    public IncorrectPassphraseException()
        : this("Incorrect passphrase supplied to decrypt the private key")
    {
    }

    public IncorrectPassphraseException(string message)
        : base(message)
    {
    }

    public IncorrectPassphraseException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
