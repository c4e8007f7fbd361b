using SshMux.Ssh.Crypto;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Keys;

/// <summary>An ssh-ed25519 public key (RFC 8709 section 4: string "ssh-ed25519", string key).</summary>
public sealed class Ed25519PublicKey : SshPublicKey
{
    internal const string TypeName = "ssh-ed25519";

    private static readonly IReadOnlyList<string> Algorithms = Array.AsReadOnly([TypeName]);


    private readonly byte[] _key;
    private readonly byte[] _blob;

    /// <summary>Wraps a 32-byte RFC 8032 public key; a value that is not a curve point raises <see cref="SshException"/>.</summary>
    public Ed25519PublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != Ed25519.PublicKeySize)
        {
            throw new SshException($"Malformed ssh-ed25519 key: the key is {publicKey.Length} bytes, not {Ed25519.PublicKeySize}");
        }

        // RFC 8032 section 5.1.3 decoding, strictly (y < p, x recoverable, no "negative zero").
        if (!Edwards25519.DecodeVarTime(out _, publicKey))
        {
            throw new SshException("Malformed ssh-ed25519 key: the key is not a point on the curve");
        }

        _key = publicKey.ToArray();
        using var writer = new SshWriter(64);
        writer.WriteString(TypeName);
        writer.WriteBinary(_key);
        _blob = writer.ToArray();
    }

    public override string KeyType => TypeName;

    public override ReadOnlyMemory<byte> Blob => _blob;

    public override IReadOnlyList<string> SignatureAlgorithms => Algorithms;

    public override int KeySize => 256;

    /// <summary>The 32-byte encoded point.</summary>
    public ReadOnlyMemory<byte> KeyBytes => _key;

    internal static Ed25519PublicKey ReadFields(ref SshReader reader) => new(reader.ReadBinary("ssh-ed25519 key"));

    /// <summary>RFC 8032 section 5.1.6 and RFC 8709 section 6: the signature is exactly 64 bytes.</summary>
    public override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob) =>
        signatureAlgorithm == TypeName
        && TryReadSignature(signatureBlob, TypeName, out var signature)
        && signature.Length == Ed25519.SignatureSize
        && Ed25519.Verify(_key, data, signature);
}
