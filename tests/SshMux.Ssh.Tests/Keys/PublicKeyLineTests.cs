using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Tests.Keys;

public class PublicKeyLineTests
{
    [Fact]
    public void ParsesTypeBlobAndCommentWithSpaces()
    {
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        var base64 = Convert.ToBase64String(key.PublicKey.Blob.Span);

        var line = SshPublicKeyLine.Parse($"ssh-ed25519 {base64} alice@laptop  work key\n");
        Assert.Equal(key.PublicKey, line.Key);
        Assert.Equal("alice@laptop  work key", line.Comment);
        Assert.Equal($"ssh-ed25519 {base64} alice@laptop  work key", line.ToString());

        var bare = SshPublicKeyLine.Parse($"  ssh-ed25519\t{base64}  ");
        Assert.Equal(string.Empty, bare.Comment);
        Assert.Equal($"ssh-ed25519 {base64}", bare.ToString());
        Assert.Equal($"ssh-ed25519 {base64}", key.PublicKey.ToOpenSshString());
    }

    [Fact]
    public void MalformedLinesAreFormatExceptionsThatSayWhy()
    {
        using var key = SshPrivateKey.Generate("ecdsa-sha2-nistp256");
        var base64 = Convert.ToBase64String(key.PublicKey.Blob.Span);

        Assert.Contains("empty", Assert.Throws<FormatException>(() => SshPublicKeyLine.Parse("   ")).Message, StringComparison.Ordinal);
        Assert.Contains("no key data", Assert.Throws<FormatException>(() => SshPublicKeyLine.Parse("ecdsa-sha2-nistp256")).Message, StringComparison.Ordinal);
        Assert.Contains("base64", Assert.Throws<FormatException>(() => SshPublicKeyLine.Parse("ecdsa-sha2-nistp256 AAAA*AAA")).Message, StringComparison.Ordinal);
        Assert.Contains("base64", Assert.Throws<FormatException>(() => SshPublicKeyLine.Parse("ecdsa-sha2-nistp256 " + base64[..^3])).Message, StringComparison.Ordinal);

        var mismatch = Assert.Throws<FormatException>(() => SshPublicKeyLine.Parse("ecdsa-sha2-nistp384 " + base64));
        Assert.Contains("ecdsa-sha2-nistp256", mismatch.Message, StringComparison.Ordinal);

        // A truncated blob that is still valid base64: the blob error comes through.
        var truncated = Convert.ToBase64String(key.PublicKey.Blob.Span[..40]);
        var blobError = Assert.Throws<FormatException>(() => SshPublicKeyLine.Parse("ecdsa-sha2-nistp256 " + truncated));
        Assert.IsType<SshException>(blobError.InnerException);

        // authorized_keys options are out of scope here: the first field must be the key type.
        Assert.Throws<FormatException>(() => SshPublicKeyLine.Parse("no-pty ecdsa-sha2-nistp256 " + base64));

        Assert.False(SshPublicKeyLine.TryParse("garbage", out var result));
        Assert.Null(result);
        Assert.True(SshPublicKeyLine.TryParse("ecdsa-sha2-nistp256 " + base64, out result));
        Assert.Equal(key.PublicKey, result.Key);
    }

    [Fact]
    public void CommentWithLineBreakCannotBeFormatted()
    {
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        Assert.Throws<ArgumentException>(() => key.PublicKey.ToOpenSshString("a\nb"));
    }

    [Fact]
    public void FingerprintsFollowTheSshKeygenSpelling()
    {
        using var key = SshPrivateKey.Generate("ecdsa-sha2-nistp521");
        var sha256 = key.PublicKey.GetSha256Fingerprint();
        Assert.StartsWith("SHA256:", sha256, StringComparison.Ordinal);
        Assert.Equal(7 + 43, sha256.Length);
        Assert.DoesNotContain('=', sha256);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(key.PublicKey.Blob.Span), Convert.FromBase64String(sha256[7..] + "="));

        var md5 = key.PublicKey.GetMd5Fingerprint();
        Assert.Matches("^MD5:([0-9a-f]{2}:){15}[0-9a-f]{2}$", md5);

        Assert.Equal($"521 {sha256} me@host (ECDSA)", SshKeyFingerprint.FormatKeygenLine(key.PublicKey, "me@host"));
        Assert.Equal($"521 {md5} no comment (ECDSA)", SshKeyFingerprint.FormatKeygenLine(key.PublicKey, "", md5: true));
    }
}
