using SshMux.Ssh.Keys;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Certificates;

/// <summary>
/// Writes certificate blobs field by field (PROTOCOL.certkeys) and signs them with a private
/// key held here, so that tests can make certificates ssh-keygen never would: unsorted or
/// repeated options, unknown types, trailing bytes, chained CAs.
/// </summary>
internal sealed class TestCertificateBuilder
{
    public TestCertificateBuilder(SshPrivateKey subject, SshPrivateKey ca)
    {
        Subject = subject.PublicKey;
        Ca = ca;
    }

    public SshPublicKey Subject { get; set; }

    public SshPrivateKey Ca { get; set; }

    public string? KeyTypeOverride { get; set; }

    public byte[] Nonce { get; set; } = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

    public ulong Serial { get; set; } = 7;

    public uint Type { get; set; } = 1;

    public string KeyId { get; set; } = "test";

    public List<byte[]> Principals { get; } = [System.Text.Encoding.UTF8.GetBytes("alice")];

    public ulong ValidAfter { get; set; }

    public ulong ValidBefore { get; set; } = ulong.MaxValue;

    public List<(string Name, byte[] Data)> Critical { get; } = [];

    public List<(string Name, byte[] Data)> Extensions { get; } = [("permit-pty", [])];

    public byte[] Reserved { get; set; } = [];

    /// <summary>When set, the critical options field holds these bytes as they are.</summary>
    public byte[]? CriticalSectionOverride { get; set; }

    /// <summary>When set, the signature key field holds this blob instead of the CA's public key.</summary>
    public byte[]? SignatureKeyBlob { get; set; }

    public string? SignatureAlgorithm { get; set; }

    public byte[] TrailingBytes { get; set; } = [];

    /// <summary>Data for a string-valued option: string(value).</summary>
    public static byte[] StringData(string value)
    {
        using var writer = new SshWriter();
        writer.WriteString(value);
        return writer.ToArray();
    }

    public byte[] Build()
    {
        using var writer = new SshWriter(1024);
        writer.WriteString(KeyTypeOverride ?? SshCertificateAlgorithms.CertificateType(Subject.KeyType)!);
        writer.WriteBinary(Nonce);

        // The subject key's fields are its blob without the leading type string.
        var subject = new SshReader(Subject.Blob.Span);
        subject.ReadBinary();
        writer.WriteRaw(subject.RemainingSpan);

        writer.WriteUInt64(Serial);
        writer.WriteUInt32(Type);
        writer.WriteString(KeyId);
        using (var principals = new SshWriter())
        {
            foreach (var principal in Principals)
            {
                principals.WriteBinary(principal);
            }

            writer.WriteBinary(principals.WrittenSpan);
        }

        writer.WriteUInt64(ValidAfter);
        writer.WriteUInt64(ValidBefore);
        writer.WriteBinary(CriticalSectionOverride ?? Options(Critical));
        writer.WriteBinary(Options(Extensions));
        writer.WriteBinary(Reserved);
        writer.WriteBinary(SignatureKeyBlob ?? Ca.PublicKey.Blob.Span);
        var algorithm = SignatureAlgorithm ?? Ca.PublicKey.SignatureAlgorithms[0];
        writer.WriteBinary(Ca.Sign(algorithm, writer.WrittenSpan));
        writer.WriteRaw(TrailingBytes);
        return writer.ToArray();
    }

    public SshCertificate Decode() => SshCertificate.FromBlob(Build());

    private static byte[] Options(List<(string Name, byte[] Data)> options)
    {
        using var writer = new SshWriter();
        foreach (var (name, data) in options)
        {
            writer.WriteString(name);
            writer.WriteBinary(data);
        }

        return writer.ToArray();
    }
}
