using System.Text;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Keys;

/// <summary>
/// Interoperability with OpenSSH's own ssh-keygen: keys it makes load here with the same
/// fingerprints, keys written here load there, and signatures made here verify with
/// ssh-keygen -Y (OpenSSH's signature verifier).
/// </summary>
public class SshKeygenInteropTests
{
    private const string Passphrase = "ssh-mux test passphrase";

    public static TheoryData<string, string, string, bool> KeygenMatrix()
    {
        var data = new TheoryData<string, string, string, bool>();
        (string Type, string Bits)[] keys = [("ed25519", "256"), ("ecdsa", "256"), ("ecdsa", "384"), ("ecdsa", "521"), ("rsa", "2048"), ("rsa", "3072")];
        foreach (var (type, bits) in keys)
        {
            foreach (var format in new[] { "default", "PEM", "PKCS8" })
            {
                data.Add(type, bits, format, false);
                data.Add(type, bits, format, true);
            }
        }

        return data;
    }

    [SshKeygenTheory]
    [MemberData(nameof(KeygenMatrix))]
    public void KeysFromSshKeygenLoadWithTheSameFingerprints(string type, string bits, string format, bool encrypted)
    {
        using var dir = new TempDirectory();
        var path = dir.File("id_" + type);
        List<string> arguments = ["-q", "-t", type, "-b", bits, "-C", $"{type}-{bits} {format}", "-N", encrypted ? Passphrase : "", "-f", path];
        if (format != "default")
        {
            arguments.AddRange(["-m", format]);
        }

        SshKeygen.Check([.. arguments]);

        var asked = 0;
        using var file = PrivateKeyFile.Load(path, description =>
        {
            asked++;
            Assert.Equal(path, description);
            return Encoding.UTF8.GetBytes(Passphrase);
        });
        Assert.Equal(encrypted ? 1 : 0, asked);
        Assert.Equal(encrypted, file.IsEncrypted);

        // ed25519 is always written in the OpenSSH format, whatever -m says.
        var expectedFormat = type == "ed25519" || format == "default" ? PrivateKeyFileFormat.OpenSsh
            : format == "PEM" ? PrivateKeyFileFormat.Pem : PrivateKeyFileFormat.Pkcs8;
        Assert.Equal(expectedFormat, file.Format);

        var publicLine = SshPublicKeyLine.Parse(File.ReadAllText(path + ".pub"));
        Assert.Equal(publicLine.Key, file.Key.PublicKey);
        if (expectedFormat == PrivateKeyFileFormat.OpenSsh)
        {
            Assert.Equal(publicLine.Comment, file.Comment);
        }

        // The whole ssh-keygen -l line: bits, fingerprint, comment and type.
        var sha256Line = SshKeygen.Check("-l", "-f", path + ".pub").TrimEnd('\n');
        var md5Line = SshKeygen.Check("-l", "-E", "md5", "-f", path + ".pub").TrimEnd('\n');
        Assert.Equal(sha256Line, SshKeyFingerprint.FormatKeygenLine(file.Key.PublicKey, publicLine.Comment));
        Assert.Equal(md5Line, SshKeyFingerprint.FormatKeygenLine(file.Key.PublicKey, publicLine.Comment, md5: true));
        Assert.Contains(file.Key.PublicKey.GetSha256Fingerprint(), sha256Line, StringComparison.Ordinal);
        Assert.Contains(file.Key.PublicKey.GetMd5Fingerprint(), md5Line, StringComparison.Ordinal);

        var data = Encoding.UTF8.GetBytes("data signed by " + path);
        foreach (var algorithm in publicLine.Key.SignatureAlgorithms)
        {
            var signature = file.Key.Sign(algorithm, data);
            Assert.True(publicLine.Key.Verify(algorithm, data, signature), algorithm);
        }

        if (encrypted)
        {
            Assert.Throws<IncorrectPassphraseException>(() => PrivateKeyFile.Load(path, _ => "not the passphrase"u8.ToArray()));
        }
    }

    public static TheoryData<string, PrivateKeyFileFormat, bool> WriteMatrix()
    {
        var data = new TheoryData<string, PrivateKeyFileFormat, bool>();
        foreach (var type in new[] { "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa" })
        {
            foreach (var format in Enum.GetValues<PrivateKeyFileFormat>())
            {
                // OpenSSH 9.2 reads ed25519 only from its own format (no PEM form exists, and
                // its PKCS#8 loader knows RSA, DSA and EC only).
                if (type == "ssh-ed25519" && format != PrivateKeyFileFormat.OpenSsh)
                {
                    continue;
                }

                data.Add(type, format, false);
                data.Add(type, format, true);
            }
        }

        return data;
    }

    [SshKeygenTheory]
    [MemberData(nameof(WriteMatrix))]
    public void KeysWrittenHereLoadInSshKeygen(string type, PrivateKeyFileFormat format, bool encrypted)
    {
        using var dir = new TempDirectory();
        var path = dir.File("written");
        using var key = SshPrivateKey.Generate(type, rsaBits: 2048);
        var passphrase = encrypted ? Encoding.UTF8.GetBytes(Passphrase) : [];
        var options = new PrivateKeyEncryptionOptions { Pbkdf2Iterations = 10_000 };
        KeyFileWriter.WriteKeyPair(path, key, "written by ssh-mux", format, passphrase, options);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(KeyFileWriter.PrivateKeyMode, File.GetUnixFileMode(path));
            Assert.Equal(KeyFileWriter.PublicKeyMode, File.GetUnixFileMode(path + ".pub"));
        }

        Assert.Single(Directory.GetFiles(dir.Path), f => f == path);
        List<string> arguments = ["-y", "-f", path];
        if (encrypted)
        {
            arguments.AddRange(["-P", Passphrase]);
        }

        var printed = SshKeygen.Check([.. arguments]).TrimEnd('\n');
        var expected = format == PrivateKeyFileFormat.OpenSsh
            ? key.PublicKey.ToOpenSshString("written by ssh-mux")
            : key.PublicKey.ToOpenSshString();
        Assert.Equal(expected, printed);

        // And ssh-keygen's fingerprint of our .pub file is ours.
        Assert.Equal(
            SshKeyFingerprint.FormatKeygenLine(key.PublicKey, "written by ssh-mux"),
            SshKeygen.Check("-l", "-f", path + ".pub").TrimEnd('\n'));

        if (encrypted)
        {
            var wrong = SshKeygen.Run("-y", "-f", path, "-P", "wrong passphrase");
            Assert.NotEqual(0, wrong.ExitCode);
        }
    }

    [SshKeygenTheory]
    [InlineData("aes256-ctr", 16)]
    [InlineData("aes128-ctr", 3)]
    [InlineData("aes192-ctr", 5)]
    [InlineData("aes256-cbc", 4)]
    [InlineData("aes128-cbc", 4)]
    [InlineData("aes256-gcm@openssh.com", 2)]
    [InlineData("aes128-gcm@openssh.com", 2)]
    public void BcryptCiphersRoundTripWithSshKeygen(string cipher, int rounds)
    {
        using var dir = new TempDirectory();

        // ssh-keygen encrypts, we decrypt.
        var theirs = dir.File("theirs");
        SshKeygen.Check("-q", "-t", "ed25519", "-N", Passphrase, "-Z", cipher, "-a", rounds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-C", "c", "-f", theirs);
        using var loaded = PrivateKeyFile.Load(theirs, _ => Encoding.UTF8.GetBytes(Passphrase));
        Assert.Equal(SshPublicKeyLine.Parse(File.ReadAllText(theirs + ".pub")).Key, loaded.Key.PublicKey);
        Assert.Throws<IncorrectPassphraseException>(() => PrivateKeyFile.Load(theirs, _ => "nope"u8.ToArray()));

        // We encrypt, ssh-keygen decrypts.
        var ours = dir.File("ours");
        KeyFileWriter.WriteKeyPair(ours, loaded.Key, "c", PrivateKeyFileFormat.OpenSsh, Encoding.UTF8.GetBytes(Passphrase),
            new PrivateKeyEncryptionOptions { OpenSshCipher = cipher, BcryptRounds = rounds });
        Assert.Equal(loaded.Key.PublicKey.ToOpenSshString("c"), SshKeygen.Check("-y", "-f", ours, "-P", Passphrase).TrimEnd('\n'));
    }

    [SshKeygenTheory]
    [InlineData("ssh-ed25519", "ssh-ed25519")]
    [InlineData("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256")]
    [InlineData("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384")]
    [InlineData("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521")]
    [InlineData("ssh-rsa", "rsa-sha2-512")]
    [InlineData("ssh-rsa", "rsa-sha2-256")]
    public void SignaturesMadeHereVerifyInOpenSsh(string type, string algorithm)
    {
        // ssh-keygen -Y check-novalidate runs OpenSSH's sshkey_verify on an SSHSIG
        // (PROTOCOL.sshsig) envelope, which wraps an ordinary SSH signature blob.
        using var dir = new TempDirectory();
        using var key = SshPrivateKey.Generate(type, rsaBits: 2048);
        var message = Encoding.UTF8.GetBytes("message for ssh-keygen -Y");
        const string Namespace = "ssh-mux-test";

        var hash = System.Security.Cryptography.SHA512.HashData(message);
        using var signed = new SshWriter();
        signed.WriteRaw("SSHSIG"u8);
        signed.WriteString(Namespace);
        signed.WriteString(string.Empty);
        signed.WriteString("sha512");
        signed.WriteBinary(hash);
        var signature = key.Sign(algorithm, signed.WrittenSpan);

        using var envelope = new SshWriter();
        envelope.WriteRaw("SSHSIG"u8);
        envelope.WriteUInt32(1);
        envelope.WriteBinary(key.PublicKey.Blob.Span);
        envelope.WriteString(Namespace);
        envelope.WriteString(string.Empty);
        envelope.WriteString("sha512");
        envelope.WriteBinary(signature);

        var signaturePath = dir.File("message.sig");
        File.WriteAllText(signaturePath, PemArmorText("SSH SIGNATURE", envelope.ToArray()));
        var result = SshKeygen.RunWithInput(Encoding.UTF8.GetString(message), "-Y", "check-novalidate", "-n", Namespace, "-s", signaturePath);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);

        // A signature over other data must be refused by OpenSSH too.
        var bad = SshKeygen.RunWithInput("other message", "-Y", "check-novalidate", "-n", Namespace, "-s", signaturePath);
        Assert.NotEqual(0, bad.ExitCode);
    }

    private static string PemArmorText(string label, byte[] data)
    {
        var base64 = Convert.ToBase64String(data);
        var builder = new StringBuilder().Append("-----BEGIN ").Append(label).Append("-----\n");
        for (var i = 0; i < base64.Length; i += 70)
        {
            builder.Append(base64.AsSpan(i, Math.Min(70, base64.Length - i))).Append('\n');
        }

        return builder.Append("-----END ").Append(label).Append("-----\n").ToString();
    }
}
