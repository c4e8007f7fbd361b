using System.Globalization;
using System.Text;

namespace SshMux.Ssh.Auth;

/// <summary>
/// Makes server-supplied text safe to print. RFC 4252 section 5.4 warns that a banner may
/// carry terminal control characters; OpenSSH passes it through stravis(VIS_SAFE|VIS_OCTAL).
/// Here line feeds and tabs stay, CR LF becomes LF, and every other control character
/// (C0, DEL, C1) and every bidirectional override or isolate (the "Trojan Source" set) is
/// shown as an escape, so the text can neither drive a terminal nor reorder what is shown.
/// </summary>
public static class BannerText
{
    /// <summary>Longest banner passed on; more is cut (OpenSSH's own limit for a banner file is 64 KiB).</summary>
    public const int MaxLength = 64 * 1024;

    public static string Sanitize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(Math.Min(text.Length, MaxLength));
        for (var i = 0; i < text.Length && builder.Length < MaxLength; i++)
        {
            var c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else if (c is '\n' or '\t' || !IsUnsafe(c))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(c < 0x100 ? "\\x" + ((int)c).ToString("X2", CultureInfo.InvariantCulture) : "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static bool IsUnsafe(char c) =>
        c < 0x20 || c is >= '\u007f' and <= '\u009f'
        || c is >= '\u202a' and <= '\u202e' // LRE, RLE, PDF, LRO, RLO
        || c is >= '\u2066' and <= '\u2069' // LRI, RLI, FSI, PDI
        || c is '\u200e' or '\u200f' or '\u061c' // LRM, RLM, ALM
        || char.IsSurrogate(c); // only lone ones get here: pairs are copied whole above
}
