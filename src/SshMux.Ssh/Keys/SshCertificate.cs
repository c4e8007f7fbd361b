using System.Globalization;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Keys;

/// <summary>SSH_CERT_TYPE_USER / SSH_CERT_TYPE_HOST (PROTOCOL.certkeys).</summary>
public enum SshCertificateType : uint
{
    User = 1,
    Host = 2,
}

/// <summary>
/// An OpenSSH certificate (PROTOCOL.certkeys "New public key formats"): a subject public key
/// with identity and usage fields, signed by a CA key. Decoding is strict and verifies the CA
/// signature, as OpenSSH's cert_parse does, so an instance always carries a signature that
/// verifies under <see cref="SignatureKey"/>; whether that CA is trusted, and whether the
/// certificate is valid for a use, is <see cref="SshCertificateValidator"/>'s job.
/// </summary>
public sealed class SshCertificate : IEquatable<SshCertificate>
{
    /// <summary>sshkey.h SSHKEY_CERT_MAX_PRINCIPALS: more principals than this is a malformed certificate.</summary>
    public const int MaxPrincipals = 256;

    /// <summary>The valid-before value meaning "no expiry" (ssh-keygen -V forever).</summary>
    public const ulong Forever = ulong.MaxValue;

    private readonly byte[] _blob;
    private readonly byte[] _nonce;
    private readonly byte[] _signature;

    private SshCertificate(byte[] blob, string keyType, byte[] nonce, SshPublicKey publicKey, ulong serial, SshCertificateType type,
        string keyId, string[] principals, ulong validAfter, ulong validBefore, SshCertificateOption[] criticalOptions,
        SshCertificateOption[] extensions, SshPublicKey signatureKey, string signatureAlgorithm, byte[] signature, int signedLength)
    {
        _blob = blob;
        KeyType = keyType;
        _nonce = nonce;
        PublicKey = publicKey;
        Serial = serial;
        Type = type;
        KeyId = keyId;
        Principals = Array.AsReadOnly(principals);
        ValidAfter = validAfter;
        ValidBefore = validBefore;
        CriticalOptions = Array.AsReadOnly(criticalOptions);
        Extensions = Array.AsReadOnly(extensions);
        SignatureKey = signatureKey;
        SignatureAlgorithm = signatureAlgorithm;
        _signature = signature;
        SignedLength = signedLength;
    }

    /// <summary>The certificate key type that starts the blob, e.g. ssh-ed25519-cert-v01@openssh.com.</summary>
    public string KeyType { get; }

    /// <summary>The whole certificate in wire form (what USERAUTH and KEXDH replies carry, and what a -cert.pub file holds).</summary>
    public ReadOnlyMemory<byte> Blob => _blob;

    public ReadOnlyMemory<byte> Nonce => _nonce;

    /// <summary>The certified (subject) key: it is the key that signs when the certificate is used.</summary>
    public SshPublicKey PublicKey { get; }

    public ulong Serial { get; }

    public SshCertificateType Type { get; }

    public string KeyId { get; }

    /// <summary>User names (user certificates) or host names (host certificates) the certificate is valid for.</summary>
    public IReadOnlyList<string> Principals { get; }

    /// <summary>Seconds since the epoch; valid when ValidAfter &lt;= now &lt; ValidBefore.</summary>
    public ulong ValidAfter { get; }

    /// <summary>Seconds since the epoch (exclusive); <see cref="Forever"/> for no expiry.</summary>
    public ulong ValidBefore { get; }

    /// <summary>Critical options, in their (sorted) order in the certificate.</summary>
    public IReadOnlyList<SshCertificateOption> CriticalOptions { get; }

    /// <summary>Extensions, in their (sorted) order in the certificate.</summary>
    public IReadOnlyList<SshCertificateOption> Extensions { get; }

    /// <summary>The CA key that signed the certificate.</summary>
    public SshPublicKey SignatureKey { get; }

    /// <summary>The algorithm of the CA signature, e.g. ssh-ed25519 or rsa-sha2-512 (ssh-rsa means SHA-1).</summary>
    public string SignatureAlgorithm { get; }

    /// <summary>The CA signature blob (string algorithm, string signature).</summary>
    public ReadOnlyMemory<byte> Signature => _signature;

    /// <summary>How many leading bytes of <see cref="Blob"/> the CA signed (everything up to the signature field).</summary>
    public int SignedLength { get; }

    /// <summary>The signature algorithms the certificate can be used with: those of its subject key.</summary>
    public IReadOnlyList<string> SignatureAlgorithms => PublicKey.SignatureAlgorithms;

    /// <summary>Decodes and checks a certificate blob; anything malformed, or a CA signature that does not verify, raises <see cref="SshException"/>.</summary>
    public static SshCertificate FromBlob(ReadOnlySpan<byte> blob)
    {
        var reader = new SshReader(blob);
        var keyType = reader.ReadAsciiString("certificate key type");
        var plainType = SshCertificateAlgorithms.PlainKeyType(keyType)
            ?? throw new SshException($"Unsupported certificate type \"{SshPublicKey.Truncate(keyType)}\"");

        var nonce = reader.ReadBinaryArray("certificate nonce");
        SshPublicKey subject = plainType switch
        {
            Ed25519PublicKey.TypeName => Ed25519PublicKey.ReadFields(ref reader),
            RsaPublicKey.TypeName => RsaPublicKey.ReadFields(ref reader),
            _ => EcdsaPublicKey.ReadFields(EcdsaCurve.FromKeyType(plainType)!, ref reader),
        };

        var serial = reader.ReadUInt64("certificate serial");
        var rawType = reader.ReadUInt32("certificate type");
        var keyId = ReadCString(ref reader, "certificate key id");
        var principals = ReadPrincipals(reader.ReadBinary("certificate principals"));
        var validAfter = reader.ReadUInt64("certificate valid after");
        var validBefore = reader.ReadUInt64("certificate valid before");
        var critical = ReadOptions(reader.ReadBinary("certificate critical options"), "critical option");
        var extensions = ReadOptions(reader.ReadBinary("certificate extensions"), "extension");

        // PROTOCOL.certkeys: "The reserved field is currently unused and is ignored".
        reader.ReadBinary("certificate reserved field");
        var signatureKey = ReadSignatureKey(reader.ReadBinary("certificate signature key"));
        var signedLength = reader.Position;
        var signature = reader.ReadBinaryArray("certificate signature");
        reader.EnsureEnd(keyType);

        // cert_parse checks the type only after reading the whole body; the order makes no difference to the outcome.
        if (rawType is not ((uint)SshCertificateType.User or (uint)SshCertificateType.Host))
        {
            throw new SshException($"Malformed {keyType}: unknown certificate type {rawType} (1 is user, 2 is host)");
        }

        var signatureAlgorithm = ReadSignatureAlgorithm(signature);

        // "signature is computed over all preceding fields from the initial string up to, and including the signature key".
        if (!signatureKey.Verify(signatureAlgorithm, blob[..signedLength], signature))
        {
            throw new SshException($"Certificate signature does not verify ({signatureAlgorithm} by CA {signatureKey.GetSha256Fingerprint()})");
        }

        return new SshCertificate(blob.ToArray(), keyType, nonce, subject, serial, (SshCertificateType)rawType, keyId, principals,
            validAfter, validBefore, critical, extensions, signatureKey, signatureAlgorithm, signature, signedLength);
    }

    /// <summary>Like <see cref="FromBlob"/>, but returns false instead of throwing.</summary>
    public static bool TryFromBlob(ReadOnlySpan<byte> blob, out SshCertificate? certificate, out string? error)
    {
        try
        {
            certificate = FromBlob(blob);
            error = null;
            return true;
        }
        catch (SshException e)
        {
            certificate = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>The critical option with this name, or null.</summary>
    public SshCertificateOption? FindCriticalOption(string name) => Find(CriticalOptions, name);

    /// <summary>The extension with this name, or null.</summary>
    public SshCertificateOption? FindExtension(string name) => Find(Extensions, name);

    /// <summary>True when <paramref name="unixSeconds"/> lies in [ValidAfter, ValidBefore).</summary>
    public bool IsValidAt(long unixSeconds) =>
        unixSeconds >= 0 && (ulong)unixSeconds >= ValidAfter && (ulong)unixSeconds < ValidBefore;

    /// <summary>"SHA256:..." of the subject key: like ssh-keygen -l, a certificate's fingerprint is its key's.</summary>
    public string GetSha256Fingerprint() => PublicKey.GetSha256Fingerprint();

    /// <summary>The one-line form of an id_*-cert.pub file: "type base64 [comment]".</summary>
    public string ToOpenSshString(string? comment = null) => SshCertificateLine.Format(this, comment);

    /// <summary>A time field as ssh-keygen -L shows it, in UTC: "forever", "always" or 2030-01-01T00:00:00Z.</summary>
    public static string FormatTime(ulong unixSeconds)
    {
        if (unixSeconds == Forever)
        {
            return "forever";
        }

        if (unixSeconds == 0)
        {
            return "always";
        }

        if (unixSeconds > (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return unixSeconds.ToString(CultureInfo.InvariantCulture) + " seconds after the epoch";
        }

        return DateTimeOffset.FromUnixTimeSeconds((long)unixSeconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    public bool Equals(SshCertificate? other) => other is not null && _blob.AsSpan().SequenceEqual(other._blob);

    public override bool Equals(object? obj) => obj is SshCertificate other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_blob);
        return hash.ToHashCode();
    }

    public override string ToString() =>
        $"{KeyType} {GetSha256Fingerprint()} id \"{KeyId}\" serial {Serial} ({Type}) signed by {SignatureKey.KeyType} {SignatureKey.GetSha256Fingerprint()}";

    /// <summary>
    /// A string that OpenSSH reads with sshbuf_get_cstring: no NUL inside (one trailing NUL is
    /// tolerated and dropped, as there), and here also valid UTF-8.
    /// </summary>
    internal static string ReadCString(ref SshReader reader, string field)
    {
        var bytes = reader.ReadBinary(field);
        var nul = bytes.IndexOf((byte)0);
        if (nul >= 0)
        {
            if (nul != bytes.Length - 1)
            {
                throw new SshException($"Malformed certificate: {field} contains a NUL byte");
            }

            bytes = bytes[..nul];
        }

        try
        {
            return SshReader.StrictUtf8.GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new SshException($"Malformed certificate: {field} is not valid UTF-8", e);
        }
    }

    private static string[] ReadPrincipals(ReadOnlySpan<byte> section)
    {
        var reader = new SshReader(section);
        var principals = new List<string>();
        while (!reader.AtEnd)
        {
            if (principals.Count >= MaxPrincipals)
            {
                throw new SshException($"Malformed certificate: more than {MaxPrincipals} principals");
            }

            principals.Add(ReadCString(ref reader, "certificate principal"));
        }

        return [.. principals];
    }

    /// <summary>
    /// PROTOCOL.certkeys: "Options must be lexically ordered by name if they appear in the
    /// sequence. Each named option may only appear once". Both are enforced here (OpenSSH itself
    /// only refuses repeated force-command / source-address when it applies the options).
    /// </summary>
    private static SshCertificateOption[] ReadOptions(ReadOnlySpan<byte> section, string what)
    {
        var reader = new SshReader(section);
        var options = new List<SshCertificateOption>();
        byte[]? previous = null;
        while (!reader.AtEnd)
        {
            var start = reader.Position;
            var name = ReadCString(ref reader, "certificate " + what + " name");
            var nameBytes = section.Slice(start + 4, reader.Position - start - 4);
            var data = reader.ReadBinary("certificate " + what + " data");
            if (previous is not null)
            {
                var order = previous.AsSpan().SequenceCompareTo(nameBytes);
                if (order == 0)
                {
                    throw new SshException($"Malformed certificate: {what} \"{SshPublicKey.Truncate(name)}\" appears more than once");
                }

                if (order > 0)
                {
                    throw new SshException($"Malformed certificate: {what}s are not sorted by name (\"{SshPublicKey.Truncate(name)}\" is out of order)");
                }
            }

            previous = nameBytes.ToArray();
            options.Add(new SshCertificateOption(name, data));
        }

        return [.. options];
    }

    /// <summary>
    /// The CA key must be a plain key: PROTOCOL.certkeys says chained certificates are not
    /// supported (cert_parse reads it with allow_cert = 0).
    /// </summary>
    private static SshPublicKey ReadSignatureKey(ReadOnlySpan<byte> blob)
    {
        var peek = new SshReader(blob);
        var type = peek.ReadAsciiString("certificate signature key type");
        if (SshCertificateAlgorithms.IsCertificateType(type))
        {
            throw new SshException("Malformed certificate: the signature key is itself a certificate (chained certificates are not supported)");
        }

        try
        {
            return SshPublicKey.FromBlob(blob);
        }
        catch (SshException e)
        {
            throw new SshException($"Malformed certificate: invalid signature key: {e.Message}", e);
        }
    }

    private static string ReadSignatureAlgorithm(ReadOnlySpan<byte> signature)
    {
        var reader = new SshReader(signature);
        return reader.ReadAsciiString("certificate signature algorithm");
    }

    private static SshCertificateOption? Find(IReadOnlyList<SshCertificateOption> options, string name)
    {
        foreach (var option in options)
        {
            if (option.Name == name)
            {
                return option;
            }
        }

        return null;
    }
}
