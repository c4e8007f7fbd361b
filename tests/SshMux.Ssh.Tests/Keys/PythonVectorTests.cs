using System.Text;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Tests.Keys;

/// <summary>
/// Keys, fingerprints, signatures and key files made by OpenSSL through python3-cryptography
/// (Vectors/gen_key_vectors.py): an implementation independent of ours and of ssh-keygen.
/// </summary>
public class PythonVectorTests
{
    public static TheoryData<string> Names() => PythonKeyVectors.Names();

    public static TheoryData<string, string> Files() => PythonKeyVectors.NamesAndFiles();

    [Theory]
    [MemberData(nameof(Names))]
    public void PublicLineAndFingerprintsMatch(string name)
    {
        var vector = PythonKeyVectors.Get(name);
        var line = SshPublicKeyLine.Parse(vector.PublicLine);

        Assert.Equal(name + "@vectors", line.Comment);
        Assert.Equal(vector.Sha256, line.Key.GetSha256Fingerprint());
        Assert.Equal(vector.Md5, line.Key.GetMd5Fingerprint());
        Assert.Equal(vector.Bits, line.Key.KeySize);
        Assert.Equal(vector.PublicLine, line.ToString());
        Assert.Equal(vector.PublicLine, line.Key.ToOpenSshString(line.Comment));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void OpenSslSignaturesVerify(string name)
    {
        var vector = PythonKeyVectors.Get(name);
        var key = SshPublicKeyLine.Parse(vector.PublicLine).Key;
        Assert.NotEmpty(vector.Signatures);

        foreach (var (algorithm, signature) in vector.Signatures)
        {
            Assert.True(key.Verify(algorithm, vector.Message, signature), algorithm);

            var tampered = vector.Message.ToArray();
            tampered[0] ^= 1;
            Assert.False(key.Verify(algorithm, tampered, signature), algorithm + " over changed data");

            // Asking for any other algorithm fails: the blob's name must be the requested one.
            foreach (var other in key.SignatureAlgorithms.Where(a => a != algorithm))
            {
                Assert.False(key.Verify(other, vector.Message, signature), $"{algorithm} blob checked as {other}");
            }

            Assert.False(key.Verify("ssh-dss", vector.Message, signature));
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void OpenSslKeyFilesLoad(string name, string file)
    {
        var vector = PythonKeyVectors.Get(name);
        var expected = SshPublicKeyLine.Parse(vector.PublicLine).Key;
        var encrypted = file.EndsWith("-encrypted", StringComparison.Ordinal);
        var asked = 0;

        using var loaded = PrivateKeyFile.Parse(vector.Files[file], _ =>
        {
            asked++;
            return Encoding.UTF8.GetBytes(vector.Passphrase);
        });

        Assert.Equal(encrypted ? 1 : 0, asked);
        Assert.Equal(encrypted, loaded.IsEncrypted);
        Assert.Equal(file.Split('-')[0] switch
        {
            "openssh" => PrivateKeyFileFormat.OpenSsh,
            "pkcs8" => PrivateKeyFileFormat.Pkcs8,
            _ => PrivateKeyFileFormat.Pem,
        }, loaded.Format);
        Assert.Equal(expected, loaded.Key.PublicKey);

        foreach (var algorithm in expected.SignatureAlgorithms)
        {
            var signature = loaded.Key.Sign(algorithm, vector.Message);
            Assert.True(expected.Verify(algorithm, vector.Message, signature), algorithm);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void EncryptedFilesRejectWrongPassphrase(string name, string file)
    {
        if (!file.EndsWith("-encrypted", StringComparison.Ordinal))
        {
            return;
        }

        var text = PythonKeyVectors.Get(name).Files[file];
        var wrong = Assert.Throws<IncorrectPassphraseException>(() => PrivateKeyFile.Parse(text, _ => "wrong passphrase"u8.ToArray()));
        Assert.Contains("passphrase", wrong.Message, StringComparison.OrdinalIgnoreCase);

        // No callback, or a callback that gives up, is "no passphrase", not "wrong passphrase".
        var none = Assert.Throws<SshException>(() => PrivateKeyFile.Parse(text));
        Assert.IsNotType<IncorrectPassphraseException>(none);
        Assert.Contains("no passphrase", none.Message, StringComparison.Ordinal);
        Assert.Throws<SshException>(() => PrivateKeyFile.Parse(text, _ => null));
        Assert.Throws<IncorrectPassphraseException>(() => PrivateKeyFile.Parse(text, _ => []));
    }

    [Fact]
    public void PassphraseArrayIsZeroedAfterUse()
    {
        var vector = PythonKeyVectors.Get("ed25519");
        var passphrase = Encoding.UTF8.GetBytes(vector.Passphrase);
        using var loaded = PrivateKeyFile.Parse(vector.Files["openssh-encrypted"], _ => passphrase);
        Assert.All(passphrase, b => Assert.Equal(0, b));
    }
}
