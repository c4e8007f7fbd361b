using System.Security.Cryptography;
using System.Text;

namespace SshMux.SignProxy;

/// <summary>
/// The optional shared secret a client must send as "Authorization: Bearer TOKEN". Only the
/// SHA-256 of the token is kept, so the token's bytes are zeroed as soon as it is loaded;
/// a presented token is hashed the same way and the digests compared in constant time, which
/// hides both the content and the length of the expected token from a timing attacker.
/// </summary>
internal sealed class BearerToken : IDisposable
{
    /// <summary>Short tokens could be guessed by a local process making requests in a loop.</summary>
    public const int MinimumLength = 16;

    private const string Scheme = "Bearer ";

    private readonly byte[] _digest;

    private BearerToken(byte[] digest) => _digest = digest;

    /// <summary>
    /// Makes a token from its text (an environment variable; a string cannot be wiped, which is
    /// why the file is preferred). A short or malformed one raises <see cref="FormatException"/>.
    /// </summary>
    public static BearerToken FromText(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var bytes = Encoding.UTF8.GetBytes(token);
        try
        {
            return FromBytes(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Reads a token file (its first line) as bytes, wiped once hashed; an unreadable file raises <see cref="FormatException"/>.</summary>
    public static BearerToken FromFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new FormatException($"cannot read the token file {path}: {e.Message}", e);
        }

        try
        {
            var newline = Array.IndexOf(bytes, (byte)'\n');
            return FromBytes(newline >= 0 ? bytes.AsSpan(0, newline) : bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static BearerToken FromBytes(ReadOnlySpan<byte> token)
    {
        var trimmed = token.Trim(" \t\r\n"u8);
        if (trimmed.Length < MinimumLength)
        {
            throw new FormatException($"the token is shorter than {MinimumLength} characters (make one with: head -c 32 /dev/urandom | base64)");
        }

        foreach (var b in trimmed)
        {
            if (b <= (byte)' ' || b > (byte)'~')
            {
                throw new FormatException("the token must be printable ASCII without white space");
            }
        }

        return new BearerToken(SHA256.HashData(trimmed));
    }

    /// <summary>True when the Authorization header value carries this token.</summary>
    public bool Matches(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = authorization.AsSpan(Scheme.Length).Trim();
        var length = Encoding.UTF8.GetByteCount(presented);
        var bytes = new byte[length];
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        try
        {
            Encoding.UTF8.GetBytes(presented, bytes);
            SHA256.HashData(bytes, digest);
            return CryptographicOperations.FixedTimeEquals(digest, _digest);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
            CryptographicOperations.ZeroMemory(digest);
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_digest);
}
