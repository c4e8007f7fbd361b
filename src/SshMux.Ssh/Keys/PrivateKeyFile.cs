using System.Security.Cryptography;

namespace SshMux.Ssh.Keys;

/// <summary>The private key file formats ssh-keygen reads and writes (its -m option).</summary>
public enum PrivateKeyFileFormat
{
    /// <summary>openssh-key-v1, "BEGIN OPENSSH PRIVATE KEY" (PROTOCOL.key); the default and the only form for ed25519.</summary>
    OpenSsh,

    /// <summary>OpenSSL traditional: "BEGIN RSA PRIVATE KEY" (PKCS#1) or "BEGIN EC PRIVATE KEY" (SEC1).</summary>
    Pem,

    /// <summary>"BEGIN PRIVATE KEY" or "BEGIN ENCRYPTED PRIVATE KEY" (PKCS#8).</summary>
    Pkcs8,
}

/// <summary>How <see cref="PrivateKeyFile.Encode"/> encrypts when it is given a passphrase.</summary>
public sealed record PrivateKeyEncryptionOptions
{
    /// <summary>Cipher for OpenSSH files: aes256-ctr like ssh-keygen, or aes128/192-ctr, aes*-cbc, aes*-gcm@openssh.com.</summary>
    public string OpenSshCipher { get; init; } = OpenSshKeyCipher.DefaultName;

    /// <summary>bcrypt_pbkdf rounds for OpenSSH files (ssh-keygen -a; 16 by default).</summary>
    public int BcryptRounds { get; init; } = OpenSshPrivateKeyFormat.DefaultRounds;

    /// <summary>PBKDF2-HMAC-SHA256 iterations for encrypted PKCS#8.</summary>
    public int Pbkdf2Iterations { get; init; } = Pbes2.DefaultIterations;
}

/// <summary>
/// A private key read from a key file, with the file's comment (only OpenSSH files carry one;
/// PEM and PKCS#8 give ""). Disposing it disposes the key.
/// </summary>
public sealed class PrivateKeyFile : IDisposable
{
    private PrivateKeyFile(SshPrivateKey key, string comment, PrivateKeyFileFormat format, bool isEncrypted)
    {
        Key = key;
        Comment = comment;
        Format = format;
        IsEncrypted = isEncrypted;
    }

    public SshPrivateKey Key { get; }

    public string Comment { get; }

    public PrivateKeyFileFormat Format { get; }

    public bool IsEncrypted { get; }

    /// <summary>
    /// Reads a key file in any supported format. <paramref name="passphrase"/> is called only
    /// when the file is encrypted. Malformed text raises <see cref="FormatException"/>, a malformed
    /// or unsupported key <see cref="SshException"/>, a wrong passphrase <see cref="IncorrectPassphraseException"/>.
    /// </summary>
    public static PrivateKeyFile Parse(string text, PassphraseCallback? passphrase = null, string description = "private key")
    {
        ArgumentNullException.ThrowIfNull(text);
        var armor = PemArmor.Decode(text);
        try
        {
            switch (armor.Label)
            {
                case OpenSshPrivateKeyFormat.Label:
                {
                    var (key, comment, encrypted) = OpenSshPrivateKeyFormat.Decode(armor.Data, passphrase, description);
                    return new PrivateKeyFile(key, comment, PrivateKeyFileFormat.OpenSsh, encrypted);
                }

                case TraditionalPemFormat.RsaLabel or TraditionalPemFormat.EcLabel:
                {
                    var key = TraditionalPemFormat.Decode(armor, passphrase, description, out var encrypted);
                    return new PrivateKeyFile(key, string.Empty, PrivateKeyFileFormat.Pem, encrypted);
                }

                case Pkcs8PrivateKeyFormat.Label:
                    return new PrivateKeyFile(Pkcs8PrivateKeyFormat.Decode(armor.Data), string.Empty, PrivateKeyFileFormat.Pkcs8, false);

                case Pkcs8PrivateKeyFormat.EncryptedLabel:
                    return new PrivateKeyFile(Pkcs8PrivateKeyFormat.DecodeEncrypted(armor.Data, passphrase, description),
                        string.Empty, PrivateKeyFileFormat.Pkcs8, true);

                default:
                    throw new SshException($"Unsupported key file: \"BEGIN {SshPublicKey.Truncate(armor.Label)}\" is not an ed25519, ECDSA or RSA private key format");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(armor.Data);
        }
    }

    /// <summary>Reads a key file from disk; the callback is told the path.</summary>
    public static PrivateKeyFile Load(string path, PassphraseCallback? passphrase = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), passphrase, path);
    }

    /// <summary>
    /// Writes a key in the given format; an empty <paramref name="passphrase"/> means unencrypted.
    /// ed25519 keys exist only in the OpenSSH and PKCS#8 forms. The comment is kept only by the
    /// OpenSSH form (ssh-keygen puts it in the .pub file for the others).
    /// </summary>
    public static string Encode(SshPrivateKey key, string comment, PrivateKeyFileFormat format = PrivateKeyFileFormat.OpenSsh,
        ReadOnlySpan<byte> passphrase = default, PrivateKeyEncryptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(comment);
        options ??= new PrivateKeyEncryptionOptions();
        return format switch
        {
            PrivateKeyFileFormat.OpenSsh => OpenSshPrivateKeyFormat.Encode(key, comment, passphrase, options.OpenSshCipher, options.BcryptRounds),
            PrivateKeyFileFormat.Pem => TraditionalPemFormat.Encode(key, passphrase),
            PrivateKeyFileFormat.Pkcs8 => Pkcs8PrivateKeyFormat.Encode(key, passphrase, options.Pbkdf2Iterations),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    public void Dispose() => Key.Dispose();
}
