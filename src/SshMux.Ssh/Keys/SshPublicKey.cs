using System.Text;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Keys;

/// <summary>
/// A public key in SSH wire form (RFC 4253 section 6.6): ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa.
/// Two keys are equal when their blobs are equal.
/// </summary>
public abstract class SshPublicKey : IEquatable<SshPublicKey>
{
    /// <summary>The key type name that starts the blob, e.g. "ssh-rsa" or "ecdsa-sha2-nistp256".</summary>
    public abstract string KeyType { get; }

    /// <summary>The wire encoding of the key (string type, then the type's fields).</summary>
    public abstract ReadOnlyMemory<byte> Blob { get; }

    /// <summary>Signature algorithms this key can verify, strongest first (for ssh-rsa: rsa-sha2-512, rsa-sha2-256, ssh-rsa).</summary>
    public abstract IReadOnlyList<string> SignatureAlgorithms { get; }

    /// <summary>
    /// The size ssh-keygen -l reports: 256 for ed25519, the curve size for ecdsa, the modulus
    /// bits for rsa (0 for a key type this layer does not implement).
    /// </summary>
    public virtual int KeySize => 0;

    /// <summary>
    /// Verifies a signature blob (string algorithm, string signature) over data. Returns false when
    /// the signature does not verify or its algorithm is not <paramref name="signatureAlgorithm"/>.
    /// </summary>
    public abstract bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob);

    /// <summary>Decodes a key blob; unknown types and malformed blobs raise <see cref="SshException"/>.</summary>
    public static SshPublicKey FromBlob(ReadOnlySpan<byte> blob)
    {
        var reader = new SshReader(blob);
        var type = reader.ReadAsciiString("public key type");
        SshPublicKey key = type switch
        {
            Ed25519PublicKey.TypeName => Ed25519PublicKey.ReadFields(ref reader),
            RsaPublicKey.TypeName => RsaPublicKey.ReadFields(ref reader),
            _ when EcdsaCurve.FromKeyType(type) is { } curve => EcdsaPublicKey.ReadFields(curve, ref reader),
            _ => throw new SshException($"Unsupported public key type \"{Truncate(type)}\""),
        };
        reader.EnsureEnd($"{type} public key");
        return key;
    }

    /// <summary>"SHA256:" and the unpadded base64 of SHA-256(blob), as ssh-keygen -l prints it.</summary>
    public string GetSha256Fingerprint() => SshKeyFingerprint.Sha256(this);

    /// <summary>"MD5:" and colon-separated lowercase hex of MD5(blob), as ssh-keygen -l -E md5 prints it.</summary>
    public string GetMd5Fingerprint() => SshKeyFingerprint.Md5(this);

    /// <summary>The one-line OpenSSH public key form "type base64 [comment]".</summary>
    public string ToOpenSshString(string? comment = null) => SshPublicKeyLine.Format(this, comment);

    public bool Equals(SshPublicKey? other) =>
        other is not null && Blob.Span.SequenceEqual(other.Blob.Span);

    public override bool Equals(object? obj) => obj is SshPublicKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Blob.Span);
        return hash.ToHashCode();
    }

    public static bool operator ==(SshPublicKey? left, SshPublicKey? right) =>
        left is null ? right is null : left.Equals(right);

    public static bool operator !=(SshPublicKey? left, SshPublicKey? right) => !(left == right);

    public override string ToString() => $"{KeyType} {GetSha256Fingerprint()}";

    /// <summary>
    /// Splits a signature blob (RFC 4253 section 6.6: string format, string signature) and checks
    /// the format is exactly <paramref name="expectedAlgorithm"/>. Malformed blobs give false so
    /// that every bad signature takes the same "did not verify" path.
    /// </summary>
    private protected static bool TryReadSignature(ReadOnlySpan<byte> signatureBlob, string expectedAlgorithm, out ReadOnlySpan<byte> signature)
    {
        signature = default;
        try
        {
            var reader = new SshReader(signatureBlob);
            var name = reader.ReadBinary("signature format");
            var body = reader.ReadBinary("signature");
            if (!reader.AtEnd || !AsciiEquals(name, expectedAlgorithm))
            {
                return false;
            }

            signature = body;
            return true;
        }
        catch (SshException)
        {
            return false;
        }
    }

    private static bool AsciiEquals(ReadOnlySpan<byte> bytes, string text)
    {
        if (bytes.Length != text.Length)
        {
            return false;
        }

        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != text[i])
            {
                return false;
            }
        }

        return true;
    }

    internal static string Truncate(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "...");

    internal static string DescribeBytes(ReadOnlySpan<byte> bytes) =>
        Truncate(Encoding.ASCII.GetString(bytes).Replace('\0', '?'));
}
