using SshMux.Trust;

namespace SshMux.Tests.Trust;

public class HashKnownHostsSettingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sshmux-hkh-").FullName;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void DebianSystemConfigSaysYes()
    {
        var system = Write("ssh_config", "Include " + Path.Combine(_directory, "ssh_config.d") + "/*.conf\nHost *\n    SendEnv LANG LC_*\n    HashKnownHosts yes\n");

        Assert.True(HashKnownHostsSetting.Read([Path.Combine(_directory, "missing"), system]));
    }

    [Fact]
    public void TheUsersFileWinsAndHostScopedValuesAreIgnored()
    {
        var user = Write("config", "Host build\n  HashKnownHosts yes\nHost *\n  HashKnownHosts=no\n");
        var system = Write("ssh_config", "HashKnownHosts yes\n");

        Assert.False(HashKnownHostsSetting.Read([user, system]));
    }

    [Fact]
    public void IncludedFilesAreReadInPlace()
    {
        Write("conf.d/10-hash.conf", "# hashed names\nHashKnownHosts yes # trailing comment\n");
        var user = Write("config", "Include conf.d/*.conf\nHashKnownHosts no\n");

        Assert.True(HashKnownHostsSetting.Read([user]));
    }

    [Fact]
    public void NothingSetIsNull() =>
        Assert.Null(HashKnownHostsSetting.Read([Write("config", "Host x\n  User y\n")]));
}
