using System.Text;

namespace SshMux.Ssh.Keys;

/// <summary>
/// The "-----BEGIN label-----" text armour shared by OpenSSH key files (PROTOCOL.key) and PEM
/// (RFC 7468), including the RFC 1421 headers ("Proc-Type: 4,ENCRYPTED", "DEK-Info: ...")
/// that legacy OpenSSL encryption puts before the base64.
/// </summary>
internal sealed class PemArmor
{
    private PemArmor(string label, IReadOnlyDictionary<string, string> headers, byte[] data)
    {
        Label = label;
        Headers = headers;
        Data = data;
    }

    public string Label { get; }

    public IReadOnlyDictionary<string, string> Headers { get; }

    public byte[] Data { get; }

    /// <summary>Decodes the first armoured block in <paramref name="text"/>; text around it is ignored.</summary>
    public static PemArmor Decode(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        // OpenSSL's "openssl ecparam -genkey" puts an EC PARAMETERS block before the key.
        var begin = Array.FindIndex(lines, l => l.StartsWith("-----BEGIN ", StringComparison.Ordinal)
            && !l.StartsWith("-----BEGIN EC PARAMETERS-----", StringComparison.Ordinal));
        if (begin < 0)
        {
            throw new FormatException("Not a key file: no \"-----BEGIN ...-----\" line");
        }

        var beginLine = lines[begin].Trim();
        if (!beginLine.EndsWith("-----", StringComparison.Ordinal) || beginLine.Length <= 16)
        {
            throw new FormatException("Malformed key file: the BEGIN line is not \"-----BEGIN label-----\"");
        }

        var label = beginLine[11..^5];
        var endLine = "-----END " + label + "-----";
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var base64 = new StringBuilder();
        var inHeaders = true;
        for (var i = begin + 1; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line == endLine)
            {
                return new PemArmor(label, headers, DecodeBase64(base64.ToString(), label));
            }

            if (line.StartsWith("-----", StringComparison.Ordinal))
            {
                throw new FormatException($"Malformed key file: expected \"{endLine}\" but found \"{SshPublicKey.Truncate(line)}\"");
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (inHeaders && colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                continue;
            }

            if (line.Length > 0)
            {
                inHeaders = false;
                base64.Append(line);
            }
        }

        throw new FormatException($"Malformed key file: no \"{endLine}\" line (the file may be truncated)");
    }

    private static byte[] DecodeBase64(string base64, string label)
    {
        if (base64.Length == 0)
        {
            throw new FormatException($"Malformed key file: the {label} block is empty");
        }

        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException e)
        {
            throw new FormatException($"Malformed key file: the {label} block is not valid base64", e);
        }
    }

    /// <summary>
    /// Armours <paramref name="data"/> with base64 lines of <paramref name="lineLength"/>
    /// characters (OpenSSH uses 70, PEM 64), LF line ends and a final newline.
    /// </summary>
    public static string Encode(string label, ReadOnlySpan<byte> data, int lineLength, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        var base64 = Convert.ToBase64String(data);
        var builder = new StringBuilder(base64.Length + (base64.Length / lineLength) + 128);
        builder.Append("-----BEGIN ").Append(label).Append("-----\n");
        if (headers is not null)
        {
            foreach (var (name, value) in headers)
            {
                builder.Append(name).Append(": ").Append(value).Append('\n');
            }

            builder.Append('\n');
        }

        for (var i = 0; i < base64.Length; i += lineLength)
        {
            builder.Append(base64.AsSpan(i, Math.Min(lineLength, base64.Length - i))).Append('\n');
        }

        builder.Append("-----END ").Append(label).Append("-----\n");
        return builder.ToString();
    }
}
