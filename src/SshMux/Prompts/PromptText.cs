using System.Text;

namespace SshMux.Prompts;

/// <summary>
/// Makes remote-supplied text (keyboard-interactive names, instructions and prompts, banners,
/// host names from configuration) safe to put on a terminal. A malicious server could
/// otherwise set the window title, write the clipboard (OSC 52), move the cursor to forge
/// what the person reads, or reorder text with bidi overrides. Every escape sequence is
/// removed whole (ECMA-48 section 5: CSI, OSC, DCS, PM, APC, SOS, in their 7-bit ESC forms
/// and 8-bit C1 forms), every other control character is dropped (newline kept in blocks),
/// and the length is capped.
/// </summary>
internal static class PromptText
{
    public const int MaxLine = 256;

    public const int MaxBlock = 2048;

    private const char Escape = '\u001b';

    /// <summary>One line: newlines become spaces.</summary>
    public static string Line(string? text, int maxLength = MaxLine) => Sanitize(text, maxLength, multiLine: false);

    /// <summary>Text that may span lines (an instruction).</summary>
    public static string Block(string? text, int maxLength = MaxBlock) => Sanitize(text, maxLength, multiLine: true);

    public static string Sanitize(string? text, int maxLength, bool multiLine)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var output = new StringBuilder(Math.Min(text.Length, maxLength + 1));
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == Escape)
            {
                i = SkipEscape(text, i + 1);
                continue;
            }

            if (c is >= '\u0080' and <= '\u009f')
            {
                i = SkipC1(text, i);
                continue;
            }

            i++;
            if (c == '\n')
            {
                Append(output, multiLine ? '\n' : ' ');
            }
            else if (c == '\t')
            {
                Append(output, ' ');
            }
            else if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i < text.Length && char.IsLowSurrogate(text[i]))
                {
                    output.Append(c).Append(text[i]);
                    i++;
                }
                else
                {
                    output.Append('\ufffd');
                }
            }
            else if (!IsDropped(c))
            {
                output.Append(c);
            }

            if (output.Length > maxLength)
            {
                break;
            }
        }

        return Cap(output, maxLength);
    }

    /// <summary>C0 controls, DEL, and the bidi embeddings, overrides and isolates (Unicode UAX #9) that can reorder what is shown.</summary>
    private static bool IsDropped(char c) =>
        c < ' ' || c == '\u007f' || c is >= '\u202a' and <= '\u202e' || c is >= '\u2066' and <= '\u2069';

    /// <summary>Collapses runs of blank separators so stripped input cannot push text off screen.</summary>
    private static void Append(StringBuilder output, char separator)
    {
        if (separator == ' ' && output.Length > 0 && output[^1] == ' ')
        {
            return;
        }

        output.Append(separator);
    }

    private static string Cap(StringBuilder output, int maxLength)
    {
        if (output.Length <= maxLength)
        {
            return output.ToString();
        }

        var keep = maxLength - 1;
        if (keep > 0 && char.IsHighSurrogate(output[keep - 1]))
        {
            keep--;
        }

        return output.ToString(0, keep) + "\u2026";
    }

    /// <summary>After ESC: returns the index after the whole sequence (ECMA-48 section 5.3).</summary>
    private static int SkipEscape(string text, int i)
    {
        if (i >= text.Length)
        {
            return i;
        }

        var c = text[i];
        switch (c)
        {
            case '[':
                return SkipControlSequence(text, i + 1);
            case ']' or 'P' or '^' or '_' or 'X':
                return SkipControlString(text, i + 1);
            default:
                // nF sequences (ESC, intermediates 0x20-0x2F, final), or a two-character escape (ESC Fe/Fp/Fs).
                while (i < text.Length && text[i] is >= ' ' and <= '/')
                {
                    i++;
                }

                return i < text.Length && text[i] != Escape ? i + 1 : i;
        }
    }

    /// <summary>The 8-bit forms: CSI 0x9B, OSC 0x9D, DCS 0x90, SOS 0x98, PM 0x9E, APC 0x9F; other C1 controls are single characters.</summary>
    private static int SkipC1(string text, int i) => text[i] switch
    {
        '\u009b' => SkipControlSequence(text, i + 1),
        '\u009d' or '\u0090' or '\u0098' or '\u009e' or '\u009f' => SkipControlString(text, i + 1),
        _ => i + 1,
    };

    /// <summary>CSI: parameter bytes 0x30-0x3F, intermediates 0x20-0x2F, one final byte 0x40-0x7E.</summary>
    private static int SkipControlSequence(string text, int i)
    {
        while (i < text.Length)
        {
            var c = text[i];
            if (c is >= '@' and <= '~')
            {
                return i + 1;
            }

            if (c is < ' ' or > '?')
            {
                // Malformed: the sequence ends here and the stray character is judged on its own.
                return i;
            }

            i++;
        }

        return i;
    }

    /// <summary>
    /// OSC, DCS, SOS, PM and APC run to the string terminator: ST (ESC \ or 0x9C), or BEL as
    /// xterm also accepts for OSC. An unterminated string swallows the rest of the text, as a
    /// terminal would.
    /// </summary>
    private static int SkipControlString(string text, int i)
    {
        while (i < text.Length)
        {
            var c = text[i];
            if (c is '\u0007' or '\u009c')
            {
                return i + 1;
            }

            if (c == Escape && i + 1 < text.Length && text[i + 1] == '\\')
            {
                return i + 2;
            }

            i++;
        }

        return i;
    }
}
