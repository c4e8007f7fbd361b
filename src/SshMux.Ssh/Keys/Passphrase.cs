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

/// <summary>The one place that asks a <see cref="PassphraseCallback"/>, so every format reacts the same.</summary>
internal static class PassphrasePrompt
{
    /// <summary>
    /// Gets the passphrase for an encrypted file. No callback, or a callback returning null,
    /// is a plain <see cref="SshException"/> (the caller gave up, so a prompt loop must not
    /// ask again); an empty passphrase is an <see cref="IncorrectPassphraseException"/>.
    /// The caller zeroes the returned array.
    /// </summary>
    public static byte[] Ask(PassphraseCallback? callback, string description)
    {
        var secret = callback?.Invoke(description)
            ?? throw new SshException($"The private key {description} is encrypted and no passphrase was given");
        if (secret.Length == 0)
        {
            throw new IncorrectPassphraseException($"The private key {description} is encrypted; an empty passphrase cannot decrypt it");
        }

        return secret;
    }
}
