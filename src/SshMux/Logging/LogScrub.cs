using System.Text;
using System.Text.RegularExpressions;

namespace SshMux.Logging;

/// <summary>
/// The last line of defence before a message reaches the log file. The rule is that callers
/// never pass secrets (private keys, passphrases, passwords, OTPs, keyboard-interactive
/// answers, session keys) to a log at all: they log names, fingerprints and lengths instead.
/// This scrubber only catches what slips through in a recognisable shape, PEM private key
/// blocks and "password=..."-style assignments, and escapes control characters so that text
/// from a remote peer (banners, error strings) cannot forge log lines or terminal sequences.
/// </summary>
internal static partial class LogScrub
{
    public const string Redacted = "[redacted]";

    public static string Clean(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = PrivateKeyBlock().Replace(message, Redacted);
        text = SecretAssignment().Replace(text, m => m.Groups["name"].Value + m.Groups["sep"].Value + Redacted);
        return EscapeControl(text);
    }

    private static string EscapeControl(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                builder.Append(c switch
                {
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ => $"\\x{(int)c:x2}",
                });
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    // From a BEGIN ... PRIVATE KEY armour line to its END line, or to the end of the message
    // when the END line is missing (a truncated key is still a key).
    [GeneratedRegex(@"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex PrivateKeyBlock();

    [GeneratedRegex(@"(?<name>\b(?:password|passwd|passphrase|otp|secret|token)\b)(?<sep>\s*[=:]\s*)\S+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretAssignment();
}
