using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace SshMux.Ssh.Keys;

/// <summary>Key fingerprints and the summary line exactly as <c>ssh-keygen -l</c> prints them (sshkey_fingerprint).</summary>
public static class SshKeyFingerprint
{
    /// <summary>"SHA256:" followed by the base64 of SHA-256(blob) without '=' padding.</summary>
    public static string Sha256(SshPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(key.Blob.Span, digest);
        return "SHA256:" + Convert.ToBase64String(digest).TrimEnd('=');
    }

    /// <summary>"MD5:" followed by MD5(blob) as colon-separated lowercase hex pairs.</summary>
    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms",
        Justification = "MD5 fingerprints are a display format ssh-keygen -E md5 still prints, not a security check.")]
    public static string Md5(SshPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> digest = stackalloc byte[MD5.HashSizeInBytes];
        MD5.HashData(key.Blob.Span, digest);
        var hex = Convert.ToHexStringLower(digest);
        var parts = new string[digest.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = hex.Substring(i * 2, 2);
        }

        return "MD5:" + string.Join(':', parts);
    }

    /// <summary>
    /// The line <c>ssh-keygen -l</c> prints: "BITS FINGERPRINT COMMENT (TYPE)", with "no comment"
    /// when the comment is empty, like ssh-keygen's fingerprint_one_key.
    /// </summary>
    public static string FormatKeygenLine(SshPublicKey key, string? comment, bool md5 = false)
    {
        ArgumentNullException.ThrowIfNull(key);
        var fingerprint = md5 ? Md5(key) : Sha256(key);
        var shownComment = string.IsNullOrEmpty(comment) ? "no comment" : comment;
        return $"{key.KeySize} {fingerprint} {shownComment} ({TypeLabel(key)})";
    }

    /// <summary>The upper-case family name ssh-keygen shows in parentheses (sshkey_type).</summary>
    public static string TypeLabel(SshPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key switch
        {
            Ed25519PublicKey => "ED25519",
            EcdsaPublicKey => "ECDSA",
            RsaPublicKey => "RSA",
            _ => key.KeyType.ToUpperInvariant(),
        };
    }
}
