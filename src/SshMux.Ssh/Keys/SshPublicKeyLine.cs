using System.Diagnostics.CodeAnalysis;

namespace SshMux.Ssh.Keys;

/// <summary>
/// The one-line OpenSSH public key form used by .pub files: "type base64-blob [comment]"
/// (sshkey_write / sshkey_read). authorized_keys options before the type are not accepted here.
/// </summary>
public sealed record SshPublicKeyLine(SshPublicKey Key, string Comment)
{
    /// <summary>Parses a line; malformed text raises <see cref="FormatException"/> saying what is wrong.</summary>
    public static SshPublicKeyLine Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var text = line.Trim();
        if (text.Length == 0)
        {
            throw new FormatException("Public key line is empty");
        }

        var typeEnd = IndexOfWhitespace(text, 0);
        if (typeEnd < 0)
        {
            throw new FormatException("Public key line has a key type but no key data");
        }

        var type = text[..typeEnd];
        var dataStart = SkipWhitespace(text, typeEnd);
        var dataEnd = IndexOfWhitespace(text, dataStart);
        if (dataEnd < 0)
        {
            dataEnd = text.Length;
        }

        var base64 = text[dataStart..dataEnd];
        var comment = dataEnd < text.Length ? text[SkipWhitespace(text, dataEnd)..] : string.Empty;

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(base64);
        }
        catch (FormatException e)
        {
            throw new FormatException($"Public key line for {SshPublicKey.Truncate(type)}: the key data is not valid base64", e);
        }

        SshPublicKey key;
        try
        {
            key = SshPublicKey.FromBlob(blob);
        }
        catch (SshException e)
        {
            throw new FormatException($"Public key line for {SshPublicKey.Truncate(type)}: {e.Message}", e);
        }

        if (key.KeyType != type)
        {
            throw new FormatException($"Public key line says \"{SshPublicKey.Truncate(type)}\" but the key data is {key.KeyType}");
        }

        return new SshPublicKeyLine(key, comment);
    }

    public static bool TryParse(string line, [NotNullWhen(true)] out SshPublicKeyLine? result)
    {
        try
        {
            result = Parse(line);
            return true;
        }
        catch (FormatException)
        {
            result = null;
            return false;
        }
    }

    /// <summary>"type base64" and, when there is one, " comment" (no trailing newline).</summary>
    public static string Format(SshPublicKey key, string? comment)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (comment is not null && comment.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("A public key comment cannot contain a line break", nameof(comment));
        }

        var line = key.KeyType + " " + Convert.ToBase64String(key.Blob.Span);
        return string.IsNullOrEmpty(comment) ? line : line + " " + comment;
    }

    public override string ToString() => Format(Key, Comment);

    private static int IndexOfWhitespace(string text, int start)
    {
        for (var i = start; i < text.Length; i++)
        {
            if (text[i] is ' ' or '\t')
            {
                return i;
            }
        }

        return -1;
    }

    private static int SkipWhitespace(string text, int start)
    {
        while (start < text.Length && text[start] is ' ' or '\t')
        {
            start++;
        }

        return start;
    }
}
