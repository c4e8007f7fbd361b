using System.Security.Cryptography;
using System.Text;
using SshMux.Ssh.OpenSsh;

namespace SshMux.Ssh.Tests.OpenSsh;

/// <summary>ssh_config(5) TOKENS in IdentityFile and ProxyCommand.</summary>
public class SshConfigTokensTests
{
    private static readonly SshTokenContext Context = new("/home/alice", "alice", "box.lan", "1000");

    [Fact]
    public void ExpandsIdentityFileTokens()
    {
        var expanded = SshConfigTokens.ExpandPath("~/.ssh/%d|%u|%h|%r|%n|%p|%l|%L|%i|%k|%%", Context, "real.example", "web", 2222, "bob");
        Assert.Equal("/home/alice/.ssh//home/alice|alice|real.example|bob|web|2222|box.lan|box|1000|web|%", expanded);
    }

    [Fact]
    public void ConnectionHashIsSha1OfLocalHostPortUser()
    {
        var expected = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes("box.lanreal.example2222bob")));
        Assert.Equal(expected, SshConfigTokens.ExpandPath("%C", Context, "real.example", "web", 2222, "bob"));
    }

    [Fact]
    public void ExpandsEnvironmentVariablesInPaths()
    {
        var name = "SSH_MUX_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "value");
        try
        {
            Assert.Equal("/k/value", SshConfigTokens.ExpandPath("/k/${" + name + "}", Context, "h", "a", 22, "u"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        Assert.Throws<SshConfigException>(() => SshConfigTokens.ExpandPath("/k/${" + name + "}", Context, "h", "a", 22, "u"));
    }

    [Fact]
    public void ExpandsProxyCommandTokens()
    {
        var expanded = SshConfigTokens.ExpandProxyCommand("/usr/bin/coder --global-config \"/x y\" ssh --stdio %h # %n %p %r %%", "coder.ws", "coder.ws", 22, "me");
        Assert.Equal("/usr/bin/coder --global-config \"/x y\" ssh --stdio coder.ws # coder.ws 22 me %", expanded);
    }

    [Theory]
    [InlineData("%d")]
    [InlineData("%x")]
    [InlineData("ends%")]
    public void RefusesUnknownProxyCommandTokens(string command) =>
        Assert.Throws<SshConfigException>(() => SshConfigTokens.ExpandProxyCommand(command, "h", "a", 22, "u"));

    [Fact]
    public void TildeIsOnlyThisUsersHome()
    {
        Assert.Equal("/home/alice", SshConfigTokens.ExpandTilde("~", "/home/alice/"));
        Assert.Equal("/home/alice/k", SshConfigTokens.ExpandTilde("~/k", "/home/alice"));
        Assert.Equal("rel/~k", SshConfigTokens.ExpandTilde("rel/~k", "/home/alice"));
        Assert.Throws<SshConfigException>(() => SshConfigTokens.ExpandTilde("~bob/k", "/home/alice"));
    }
}
