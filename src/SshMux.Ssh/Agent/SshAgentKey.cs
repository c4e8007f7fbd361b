using System.Security.Cryptography;
using System.Text;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Agent;

/// <summary>
/// One key listed by an agent (SSH_AGENT_IDENTITIES_ANSWER): the blob exactly as the agent sent
/// it, which is what a sign request must name, and its comment. Plain keys carry the parsed
/// <see cref="PublicKey"/>; OpenSSH certificates (PROTOCOL.certkeys) are kept as raw blobs with
/// their *-cert-v01@openssh.com type, because parsing them belongs to the certificate layer.
/// </summary>
public sealed class SshAgentKey
{
    /// <summary>The suffix of every OpenSSH certificate key type (PROTOCOL.certkeys).</summary>
    public const string CertificateSuffix = "-cert-v01@openssh.com";

    private readonly byte[] _blob;

    private SshAgentKey(string keyType, byte[] blob, string comment, SshPublicKey? publicKey)
    {
        KeyType = keyType;
        _blob = blob;
        Comment = comment;
        PublicKey = publicKey;
        Fingerprint = Sha256Fingerprint(blob);
    }

    /// <summary>The type name that starts the blob: a key type, or a *-cert-v01@openssh.com name.</summary>
    public string KeyType { get; }

    /// <summary>The blob as the agent listed it: the public key, or the whole certificate.</summary>
    public ReadOnlyMemory<byte> Blob => _blob;

    /// <summary>The agent's comment (usually the file the key was loaded from).</summary>
    public string Comment { get; }

    /// <summary>The parsed public key; null for a certificate.</summary>
    public SshPublicKey? PublicKey { get; }

    public bool IsCertificate => PublicKey is null;

    /// <summary>"SHA256:..." of the blob, as ssh-add -l prints it.</summary>
    public string Fingerprint { get; }

    public override string ToString() => Describe(KeyType, Fingerprint, Comment);

    /// <summary>Builds a plain key entry (for tests and for callers that hold a key the agent also holds).</summary>
    public static SshAgentKey FromPublicKey(SshPublicKey publicKey, string comment)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(comment);
        return new SshAgentKey(publicKey.KeyType, publicKey.Blob.ToArray(), comment, publicKey);
    }

    /// <summary>
    /// Makes an entry from a listed blob, or returns null when this layer cannot use the key
    /// (sk-* security keys, ssh-dss, unknown or malformed blobs): such keys are skipped so one
    /// exotic key in the agent does not hide the others.
    /// </summary>
    internal static SshAgentKey? TryCreate(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> comment)
    {
        string keyType;
        try
        {
            var reader = new SshReader(blob);
            keyType = reader.ReadAsciiString("key type");
        }
        catch (SshException)
        {
            return null;
        }

        // The comment is only ever displayed; an agent may hold a comment in another encoding,
        // so invalid UTF-8 is replaced rather than allowed to fail the whole listing.
        var text = Encoding.UTF8.GetString(comment);
        if (keyType.Length > CertificateSuffix.Length && keyType.EndsWith(CertificateSuffix, StringComparison.Ordinal))
        {
            return new SshAgentKey(keyType, blob.ToArray(), text, publicKey: null);
        }

        try
        {
            // The agent's own bytes are kept: they are what it matches a sign request against.
            var publicKey = SshPublicKey.FromBlob(blob);
            return new SshAgentKey(keyType, blob.ToArray(), text, publicKey);
        }
        catch (SshException)
        {
            return null;
        }
    }

    /// <summary>The SHA-256 fingerprint of any blob, parsed or not (the same digest ssh-keygen -l shows).</summary>
    internal static string Sha256Fingerprint(ReadOnlySpan<byte> blob)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(blob, digest);
        return "SHA256:" + Convert.ToBase64String(digest).TrimEnd('=');
    }

    /// <summary>"TYPE FINGERPRINT (comment)" for messages about a key known only by its blob.</summary>
    internal static string DescribeBlob(ReadOnlySpan<byte> blob)
    {
        string keyType;
        try
        {
            var reader = new SshReader(blob);
            keyType = reader.ReadAsciiString("key type");
        }
        catch (SshException)
        {
            keyType = "key";
        }

        return Describe(SshPublicKey.Truncate(keyType), Sha256Fingerprint(blob), null);
    }

    internal static string Describe(string keyType, string fingerprint, string? comment) =>
        string.IsNullOrEmpty(comment) ? $"{keyType} {fingerprint}" : $"{keyType} {fingerprint} ({comment})";
}
