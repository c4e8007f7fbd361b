using System.Text;
using SshMux.Ssh.Io;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Tests.Keys;

public class KeyFileWriterTests
{
    [Fact]
    public void WritesPrivateAndPublicFilesWithSshKeygenModes()
    {
        using var dir = new TempDirectory();
        var path = dir.File("id_ed25519");
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        KeyFileWriter.WriteKeyPair(path, key, "me@host");

        using var loaded = PrivateKeyFile.Load(path);
        Assert.Equal(key.PublicKey, loaded.Key.PublicKey);
        Assert.Equal("me@host", loaded.Comment);
        Assert.Equal(key.PublicKey.ToOpenSshString("me@host") + "\n", File.ReadAllText(path + ".pub"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal((UnixFileMode)Convert.ToInt32("644", 8), File.GetUnixFileMode(path + ".pub"));
        }

        Assert.Equal(["id_ed25519", "id_ed25519.pub"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ReplacesAnExistingFileAndItsMode()
    {
        using var dir = new TempDirectory();
        var path = dir.File("key");
        File.WriteAllText(path, "old contents that are longer than the new ones, to show the file is replaced whole");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("666", 8));
        }

        AtomicFile.Write(path, "new"u8, KeyFileWriter.PrivateKeyMode);
        Assert.Equal("new", File.ReadAllText(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(KeyFileWriter.PrivateKeyMode, File.GetUnixFileMode(path));
        }

        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void ModeIsExactWhateverTheUmask()
    {
        // The usual umask 022 would turn a created 0664 into 0644; the mode is set on the handle
        // after creation so the file gets exactly what was asked. Only meaningful on Unix.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var dir = new TempDirectory();
        var path = dir.File("public");
        var mode = (UnixFileMode)Convert.ToInt32("664", 8);
        AtomicFile.Write(path, "x"u8, mode);
        Assert.Equal(mode, File.GetUnixFileMode(path));
    }

    [Fact]
    public void FailureLeavesNoTemporaryFileAndKeepsTheOldContent()
    {
        using var dir = new TempDirectory();

        // The target is a directory, so the final rename fails after the temporary file was written.
        var target = dir.File("occupied");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "inside"), "keep");
        Assert.ThrowsAny<IOException>(() => AtomicFile.Write(target, "data"u8, KeyFileWriter.PrivateKeyMode));
        Assert.Equal(["occupied"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(target, "inside")));

        // A directory that does not exist fails before anything is created.
        Assert.ThrowsAny<IOException>(() => AtomicFile.Write(dir.File("missing/key"), "data"u8, KeyFileWriter.PrivateKeyMode));
    }

    [Fact]
    public void EncryptedKeyPairRoundTrips()
    {
        using var dir = new TempDirectory();
        var path = dir.File("id_rsa");
        using var key = SshPrivateKey.Generate("ssh-rsa", 2048);
        KeyFileWriter.WriteKeyPair(path, key, "rsa key", PrivateKeyFileFormat.OpenSsh, "secret"u8,
            new PrivateKeyEncryptionOptions { BcryptRounds = 4 });

        Assert.Contains("BEGIN OPENSSH PRIVATE KEY", File.ReadAllText(path), StringComparison.Ordinal);
        using var loaded = PrivateKeyFile.Load(path, p => Encoding.UTF8.GetBytes(p == path ? "secret" : "?"));
        Assert.True(loaded.IsEncrypted);
        Assert.Equal(key.PublicKey, loaded.Key.PublicKey);
        Assert.Equal(key.PublicKey, SshPublicKeyLine.Parse(File.ReadAllText(path + ".pub")).Key);
    }

    [Fact]
    public void BcryptRoundsAreBounded()
    {
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        Assert.Throws<ArgumentOutOfRangeException>(() => PrivateKeyFile.Encode(key, "", PrivateKeyFileFormat.OpenSsh, "p"u8,
            new PrivateKeyEncryptionOptions { BcryptRounds = OpenSshPrivateKeyFormat.MaxRounds + 1 }));
        Assert.Throws<ArgumentException>(() => PrivateKeyFile.Encode(key, "", PrivateKeyFileFormat.OpenSsh, "p"u8,
            new PrivateKeyEncryptionOptions { OpenSshCipher = "none" }));
    }
}
