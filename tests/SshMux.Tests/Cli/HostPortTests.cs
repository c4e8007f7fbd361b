using SshMux.Cli;

namespace SshMux.Tests.Cli;

public sealed class HostPortTests
{
    [Theory]
    [InlineData("example.com", "example.com", 22)]
    [InlineData("example.com:2222", "example.com", 2222)]
    [InlineData("[::1]:2200", "::1", 2200)]
    [InlineData("127.0.0.1", "127.0.0.1", 22)]
    public void ParsesHostAndPort(string text, string host, int port)
    {
        Assert.True(HostPort.TryParse(text, 22, out var parsed, out var error), error);
        Assert.Equal(host, parsed.Host);
        Assert.Equal(port, parsed.Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("host:0")]
    [InlineData("host:65536")]
    [InlineData("host:abc")]
    public void RefusesBadInput(string text)
    {
        Assert.False(HostPort.TryParse(text, 22, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
