using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SshMux.Ssh.Keys;

/// <summary>
/// The one-line form of an OpenSSH certificate file such as id_ed25519-cert.pub:
/// "type base64-blob [comment]" (sshkey_read / sshkey_write, the same form as a .pub line).
/// </summary>
public sealed record SshCertificateLine(SshCertificate Certificate, string Comment)
{
    /// <summary>Parses one line; malformed text or a certificate that does not verify raises <see cref="FormatException"/>.</summary>
    public static SshCertificateLine Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var text = line.Trim();
        if (text.Length == 0)
        {
            throw new FormatException("Certificate line is empty");
        }

        var fields = text.Split([' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2)
        {
            throw new FormatException("Certificate line has a key type but no certificate data");
        }

        var type = fields[0];
        if (!SshCertificateAlgorithms.IsCertificateType(type))
        {
            throw new FormatException($"\"{SshPublicKey.Truncate(type)}\" is not a certificate type");
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(fields[1]);
        }
        catch (FormatException e)
        {
            throw new FormatException($"Certificate line for {type}: the certificate data is not valid base64", e);
        }

        SshCertificate certificate;
        try
        {
            certificate = SshCertificate.FromBlob(blob);
        }
        catch (SshException e)
        {
            throw new FormatException($"Certificate line for {type}: {e.Message}", e);
        }

        // sshkey_read: the type at the start of the line must be the type inside the blob.
        if (certificate.KeyType != type)
        {
            throw new FormatException($"Certificate line says \"{type}\" but the certificate is {certificate.KeyType}");
        }

        return new SshCertificateLine(certificate, fields.Length > 2 ? fields[2].Trim() : string.Empty);
    }

    public static bool TryParse(string line, [NotNullWhen(true)] out SshCertificateLine? result)
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

    /// <summary>
    /// Reads a certificate file: its first line that is not blank or a # comment. Errors name the file.
    /// </summary>
    public static SshCertificateLine Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var text = File.ReadAllText(path, Encoding.UTF8);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            try
            {
                return Parse(line);
            }
            catch (FormatException e)
            {
                throw new FormatException($"{path}: {e.Message}", e);
            }
        }

        throw new FormatException($"{path}: no certificate in the file");
    }

    /// <summary>"type base64" and, when there is one, " comment" (no trailing newline).</summary>
    public static string Format(SshCertificate certificate, string? comment)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (comment is not null && comment.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("A certificate comment cannot contain a line break", nameof(comment));
        }

        var line = certificate.KeyType + " " + Convert.ToBase64String(certificate.Blob.Span);
        return string.IsNullOrEmpty(comment) ? line : line + " " + comment;
    }

    public override string ToString() => Format(Certificate, Comment);
}
