using System.Security.Cryptography;
using System.Text;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Signatures;

/// <summary>
/// OpenSSH's detached signature format (PROTOCOL.sshsig), as made by `ssh-keygen -Y sign`.
/// The signer hashes the message, then signs not the message but a small blob naming the
/// namespace and the hash (<see cref="SignedData"/>), so a signature made for one purpose
/// (namespace "git") cannot be replayed as another ("file", an SSH login). The result is an
/// envelope (<see cref="Envelope"/>) holding the public key and that signature, armoured
/// (<see cref="Armor"/>).
/// </summary>
public static class SshSignature
{
    /// <summary>PROTOCOL.sshsig: the only version defined.</summary>
    public const uint Version = 1;

    /// <summary>ssh-keygen's default message hash; sha256 is the only other one allowed.</summary>
    public const string HashAlgorithm = "sha512";

    public const string BeginLine = "-----BEGIN SSH SIGNATURE-----";

    public const string EndLine = "-----END SSH SIGNATURE-----";

    /// <summary>sshbuf_dtob64 with wrapping: the armour's base64 lines are 70 characters.</summary>
    public const int LineLength = 70;

    /// <summary>The six bytes "SSHSIG" that start both the envelope and the signed data.</summary>
    public static ReadOnlySpan<byte> Magic => "SSHSIG"u8;

    /// <summary>
    /// Checks a namespace the way ssh-keygen would accept it from -n: non-empty. Control
    /// characters and white space are refused too, since a namespace with them cannot be
    /// given on a command line or in an allowed_signers namespaces="..." option.
    /// </summary>
    public static void ValidateNamespace(string signatureNamespace)
    {
        ArgumentNullException.ThrowIfNull(signatureNamespace);
        if (signatureNamespace.Length == 0)
        {
            throw new FormatException("The signature namespace is empty (PROTOCOL.sshsig requires one, e.g. \"git\")");
        }

        foreach (var c in signatureNamespace)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c) || c == '"')
            {
                throw new FormatException($"The signature namespace \"{SshPublicKey.Truncate(signatureNamespace)}\" contains white space, a quote or a control character");
            }
        }
    }

    /// <summary>SHA-512 of a whole message, incrementally, for callers that stream it.</summary>
    public static IncrementalHash CreateMessageHash() => IncrementalHash.CreateHash(HashAlgorithmName.SHA512);

    /// <summary>
    /// The blob the key signs (PROTOCOL.sshsig "Signed Data"): MAGIC_PREAMBLE, string namespace,
    /// string reserved (empty), string hash_algorithm, string H(message).
    /// </summary>
    public static byte[] SignedData(string signatureNamespace, ReadOnlySpan<byte> messageHash)
    {
        ValidateNamespace(signatureNamespace);
        if (messageHash.Length != SHA512.HashSizeInBytes)
        {
            throw new ArgumentException($"A {HashAlgorithm} message hash is {SHA512.HashSizeInBytes} bytes, not {messageHash.Length}", nameof(messageHash));
        }

        using var writer = new SshWriter();
        writer.WriteRaw(Magic);
        writer.WriteString(signatureNamespace);
        writer.WriteString(string.Empty);
        writer.WriteString(HashAlgorithm);
        writer.WriteBinary(messageHash);
        return writer.ToArray();
    }

    /// <summary>
    /// The signature envelope (PROTOCOL.sshsig "Blob format"): MAGIC_PREAMBLE, uint32 version,
    /// string publickey, string namespace, string reserved, string hash_algorithm, string signature.
    /// <paramref name="signatureBlob"/> is the SSH signature blob (string algorithm, string
    /// signature) as an agent returns it.
    /// </summary>
    public static byte[] Envelope(ReadOnlySpan<byte> publicKeyBlob, string signatureNamespace, ReadOnlySpan<byte> signatureBlob)
    {
        ValidateNamespace(signatureNamespace);
        using var writer = new SshWriter();
        writer.WriteRaw(Magic);
        writer.WriteUInt32(Version);
        writer.WriteBinary(publicKeyBlob);
        writer.WriteString(signatureNamespace);
        writer.WriteString(string.Empty);
        writer.WriteString(HashAlgorithm);
        writer.WriteBinary(signatureBlob);
        return writer.ToArray();
    }

    /// <summary>
    /// The armoured text exactly as ssh-keygen writes it (sshsig_armor): the BEGIN line, the
    /// base64 in 70-character lines each ending in "\n", the END line and a final "\n".
    /// </summary>
    public static string Armor(ReadOnlySpan<byte> envelope)
    {
        var base64 = Convert.ToBase64String(envelope);
        var lines = (base64.Length + LineLength - 1) / LineLength;
        var text = new StringBuilder(BeginLine.Length + EndLine.Length + base64.Length + lines + 2);
        text.Append(BeginLine).Append('\n');
        for (var i = 0; i < base64.Length; i += LineLength)
        {
            text.Append(base64, i, Math.Min(LineLength, base64.Length - i)).Append('\n');
        }

        text.Append(EndLine).Append('\n');
        return text.ToString();
    }
}
