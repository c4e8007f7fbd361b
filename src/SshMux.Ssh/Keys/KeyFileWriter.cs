using System.Security.Cryptography;
using System.Text;
using SshMux.Ssh.Io;

namespace SshMux.Ssh.Keys;

/// <summary>
/// Saves key pairs the way ssh-keygen lays them out: the private key at PATH with mode 0600 and
/// the public key line at PATH.pub with mode 0644, each replaced atomically.
/// </summary>
public static class KeyFileWriter
{
    public const UnixFileMode PrivateKeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode PublicKeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Writes PATH (private, 0600) and PATH.pub (public, 0644).</summary>
    public static void WriteKeyPair(string path, SshPrivateKey key, string comment,
        PrivateKeyFileFormat format = PrivateKeyFileFormat.OpenSsh, ReadOnlySpan<byte> passphrase = default,
        PrivateKeyEncryptionOptions? options = null)
    {
        WritePrivateKey(path, key, comment, format, passphrase, options);
        WritePublicKey(path + ".pub", key.PublicKey, comment);
    }

    /// <summary>Writes only the private key file, mode 0600.</summary>
    public static void WritePrivateKey(string path, SshPrivateKey key, string comment,
        PrivateKeyFileFormat format = PrivateKeyFileFormat.OpenSsh, ReadOnlySpan<byte> passphrase = default,
        PrivateKeyEncryptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var text = PrivateKeyFile.Encode(key, comment, format, passphrase, options);
        var bytes = Encoding.ASCII.GetBytes(text);
        try
        {
            AtomicFile.Write(path, bytes, PrivateKeyMode);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Writes "type base64 comment\n", mode 0644.</summary>
    public static void WritePublicKey(string path, SshPublicKey key, string? comment)
    {
        ArgumentNullException.ThrowIfNull(key);
        var line = SshPublicKeyLine.Format(key, comment) + "\n";
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(line), PublicKeyMode);
    }
}
