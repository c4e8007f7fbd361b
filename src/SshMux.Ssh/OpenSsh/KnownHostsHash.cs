using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// Hashed known_hosts names (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT, HashKnownHosts; hostfile.c
/// host_hash): "|1|" base64(salt) "|" base64(HMAC-SHA1(key = salt, message = name)), with a
/// 20-byte salt. The name is the lower-cased host, or "[host]:port" for other ports than 22.
/// </summary>
public static class KnownHostsHash
{
    public const string Magic = "|1|";
    private const int SaltSize = 20;

    /// <summary>Hashes a name under a fresh random salt, as ssh does when HashKnownHosts is on.</summary>
    public static string Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Span<byte> salt = stackalloc byte[SaltSize];
        RandomNumberGenerator.Fill(salt);
        return Create(name, salt);
    }

    /// <summary>Hashes a name under a given 20-byte salt.</summary>
    public static string Create(string name, ReadOnlySpan<byte> salt)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (salt.Length != SaltSize)
        {
            throw new ArgumentException($"The salt is {SaltSize} bytes", nameof(salt));
        }

        Span<byte> mac = stackalloc byte[SaltSize];
        Compute(salt, Encoding.UTF8.GetBytes(name), mac);
        return Magic + Convert.ToBase64String(salt) + "|" + Convert.ToBase64String(mac);
    }

    /// <summary>Splits "|1|salt|hash" into its two 20-byte parts; false when the field is not a well-formed hash.</summary>
    public static bool TryParse(string field, [NotNullWhen(true)] out byte[]? salt, [NotNullWhen(true)] out byte[]? hash)
    {
        ArgumentNullException.ThrowIfNull(field);
        salt = hash = null;
        if (!field.StartsWith(Magic, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = field[Magic.Length..];
        var bar = rest.IndexOf('|', StringComparison.Ordinal);
        if (bar <= 0)
        {
            return false;
        }

        var decodedSalt = TryBase64(rest[..bar]);
        var decodedHash = TryBase64(rest[(bar + 1)..]);
        if (decodedSalt is not { Length: SaltSize } || decodedHash is not { Length: SaltSize })
        {
            return false;
        }

        (salt, hash) = (decodedSalt, decodedHash);
        return true;
    }

    /// <summary>Does <paramref name="name"/> hash to <paramref name="hash"/> under <paramref name="salt"/>? Compared in constant time.</summary>
    public static bool Matches(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> hash, string name) =>
        Matches(salt, hash, Encoding.UTF8.GetBytes(name));

    internal static bool Matches(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> name)
    {
        Span<byte> mac = stackalloc byte[SaltSize];
        Compute(salt, name, mac);
        return CryptographicOperations.FixedTimeEquals(mac, hash);
    }

    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms",
        Justification = "HMAC-SHA1 is what the OpenSSH known_hosts format specifies; it hides names, it does not authenticate anything.")]
    private static void Compute(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> name, Span<byte> destination) =>
        HMACSHA1.HashData(salt, name, destination);

    private static byte[]? TryBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
