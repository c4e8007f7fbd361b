using SshMux.Ssh.Keys;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.OpenSsh;

internal enum KeyTextStatus
{
    /// <summary>The text at this position is not "type base64" (in authorized_keys: it is options).</summary>
    NotAKey,
    Ok,

    /// <summary>A key of a type OpenSSH knows or the blob names, which this layer does not implement (skipped with a warning).</summary>
    UnsupportedType,

    /// <summary>A supported key type whose data is broken.</summary>
    Malformed,
}

/// <summary>The result of reading "type base64" (sshkey_read) from a line.</summary>
internal readonly record struct KeyText(KeyTextStatus Status, string Type, SshPublicKey? Key, SshCertificate? Certificate, string? Error, int End);

/// <summary>Reads the "type base64-blob" pair that authorized_keys and known_hosts lines carry.</summary>
internal static class OpenSshKeyText
{
    /// <summary>Key types OpenSSH reads that this layer does not implement (so a line with one is a key, not options).</summary>
    private static readonly HashSet<string> OtherOpenSshTypes = new(StringComparer.Ordinal)
    {
        "ssh-dss", "ssh-dss-cert-v01@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com",
        "ssh-xmss@openssh.com", "ssh-xmss-cert-v01@openssh.com",
        "ssh-mldsa44-ed25519@openssh.com", "ssh-mldsa44-ed25519-cert-v01@openssh.com",
    };

    public static KeyText Read(string line, int start)
    {
        var typeEnd = IndexOfBlank(line, start);
        if (typeEnd < 0 || typeEnd == start)
        {
            return new KeyText(KeyTextStatus.NotAKey, string.Empty, null, null, "no key type", start);
        }

        var type = line[start..typeEnd];
        var dataStart = SkipBlanks(line, typeEnd);
        var dataEnd = IndexOfBlank(line, dataStart);
        if (dataEnd < 0)
        {
            dataEnd = line.Length;
        }

        var end = SkipBlanks(line, dataEnd);
        var supported = SshCertificateAlgorithms.IsCertificateType(type) || IsSupportedPlainType(type);
        var blob = dataStart < dataEnd ? TryBase64(line[dataStart..dataEnd]) : null;
        if (!supported)
        {
            var named = OtherOpenSshTypes.Contains(type) || (blob is not null && BlobType(blob) == type);
            return named
                ? new KeyText(KeyTextStatus.UnsupportedType, type, null, null, $"unsupported key type \"{SshPublicKey.Truncate(type)}\"", end)
                : new KeyText(KeyTextStatus.NotAKey, type, null, null, "not a key", start);
        }

        if (blob is null)
        {
            return Malformed(type, dataStart == dataEnd ? "the key data is missing" : "the key data is not valid base64", end);
        }

        try
        {
            if (SshCertificateAlgorithms.IsCertificateType(type))
            {
                var certificate = SshCertificate.FromBlob(blob);
                return certificate.KeyType == type
                    ? new KeyText(KeyTextStatus.Ok, type, null, certificate, null, end)
                    : Malformed(type, $"the line says {type} but the data is {certificate.KeyType}", end);
            }

            var key = SshPublicKey.FromBlob(blob);
            return key.KeyType == type
                ? new KeyText(KeyTextStatus.Ok, type, key, null, null, end)
                : Malformed(type, $"the line says {type} but the data is {key.KeyType}", end);
        }
        catch (SshException e)
        {
            return Malformed(type, e.Message, end);
        }
    }

    internal static int IndexOfBlank(string text, int start)
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

    internal static int SkipBlanks(string text, int start)
    {
        while (start < text.Length && text[start] is ' ' or '\t')
        {
            start++;
        }

        return start;
    }

    private static bool IsSupportedPlainType(string type) =>
        type is "ssh-ed25519" or "ssh-rsa" || EcdsaCurve.FromKeyType(type) is not null;

    private static KeyText Malformed(string type, string error, int end) =>
        new(KeyTextStatus.Malformed, type, null, null, $"invalid {SshPublicKey.Truncate(type)} key: {error}", end);

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

    private static string? BlobType(byte[] blob)
    {
        try
        {
            var reader = new SshReader(blob);
            return reader.ReadAsciiString("key type");
        }
        catch (SshException)
        {
            return null;
        }
    }
}
