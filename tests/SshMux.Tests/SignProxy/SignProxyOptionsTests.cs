using System.Net;
using SshMux.SignProxy;

namespace SshMux.Tests.SignProxy;

/// <summary>Configuration from SSH_AGENT_PROXY_* variables and options: defaults, and a clear error for every bad value.</summary>
public sealed class SignProxyOptionsTests
{
    [Fact]
    public void Defaults_follow_the_original_proxy()
    {
        var options = SignProxyOptions.Resolve(SignProxySettings.FromEnvironment(name => name == "SSH_AUTH_SOCK" ? "/run/agent.sock" : null));

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7221), options.Listen.Tcp);
        Assert.Equal("git", options.Namespace);
        Assert.Equal("/run/agent.sock", options.Upstream);
        Assert.Null(options.PinnedKey);
        Assert.Null(options.Token);
        Assert.Equal(1024 * 1024, options.MaxBodyBytes);
    }

    [Fact]
    public void Environment_variables_are_read_by_their_names()
    {
        var environment = new Dictionary<string, string>
        {
            ["SSH_AGENT_PROXY_ADDR"] = "unix:/run/user/1000/sign.sock",
            ["SSH_AGENT_PROXY_NAMESPACE"] = "file",
            ["SSH_AGENT_PROXY_UPSTREAM"] = "/home/u/.1password/agent.sock",
            ["SSH_AUTH_SOCK"] = "/tmp/ignored",
            ["SSH_AGENT_PROXY_PUBKEY"] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILcA3/HFBWCth+IHX01ovj5Peuzq5/pcqxSm/8m7bSZi me",
            ["SSH_AGENT_PROXY_TOKEN"] = "0123456789abcdef0123",
            ["SSH_AGENT_PROXY_MAX_BODY"] = "4096",
        };

        var options = SignProxyOptions.Resolve(SignProxySettings.FromEnvironment(name => environment.GetValueOrDefault(name)));

        Assert.Equal("/run/user/1000/sign.sock", options.Listen.UnixPath);
        Assert.Equal("file", options.Namespace);
        Assert.Equal("/home/u/.1password/agent.sock", options.Upstream);
        Assert.Equal("ssh-ed25519", options.PinnedKey!.KeyType);
        Assert.True(options.Token!.Matches("Bearer 0123456789abcdef0123"));
        Assert.False(options.Token.Matches("Bearer 0123456789abcdef012"));
        Assert.False(options.Token.Matches("Basic 0123456789abcdef0123"));
        Assert.Equal(4096, options.MaxBodyBytes);
    }

    [Theory]
    [InlineData("127.0.0.1:7221", "127.0.0.1:7221")]
    [InlineData("localhost:80", "127.0.0.1:80")]
    [InlineData("[::1]:7221", "[::1]:7221")]
    public void Tcp_addresses_parse(string text, string expected) => Assert.Equal(expected, SignProxyListen.Parse(text).ToString());

    [Theory]
    [InlineData("Listen", "7221", "is not HOST:PORT")]
    [InlineData("Listen", "127.0.0.1:70000", "the port must be a number")]
    [InlineData("Listen", "::1:7221", "in brackets")]
    [InlineData("Listen", "example.com:7221", "must be an IP address or localhost")]
    [InlineData("Listen", "unix:relative.sock", "unix:/absolute/path")]
    [InlineData("Listen", "0.0.0.0:7221", "reachable from other hosts and no token is set")]
    [InlineData("Namespace", "two words", "white space")]
    [InlineData("MaxBody", "0", "is not a byte count")]
    [InlineData("MaxBody", "lots", "is not a byte count")]
    [InlineData("PublicKey", "ssh-ed25519 not-base64!", "not valid base64")]
    [InlineData("PublicKeyFile", "/nonexistent/key.pub", "cannot read /nonexistent/key.pub")]
    [InlineData("Token", "short", "shorter than 16 characters")]
    [InlineData("TokenFile", "/nonexistent/token", "cannot read the token file")]
    public void Bad_values_are_refused_naming_the_variable(string setting, string value, string reason)
    {
        var settings = setting switch
        {
            "Listen" => new SignProxySettings { Listen = value },
            "Namespace" => new SignProxySettings { Namespace = value },
            "MaxBody" => new SignProxySettings { MaxBody = value },
            "PublicKey" => new SignProxySettings { PublicKey = value },
            "PublicKeyFile" => new SignProxySettings { PublicKeyFile = value },
            "Token" => new SignProxySettings { Token = value },
            _ => new SignProxySettings { TokenFile = value },
        };

        var error = Assert.Throws<FormatException>(() => SignProxyOptions.Resolve(settings));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("SSH_AGENT_PROXY_", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Remote_address_is_allowed_with_a_token_or_an_explicit_opt_in()
    {
        Assert.False(SignProxyOptions.Resolve(new SignProxySettings { Listen = "0.0.0.0:7221", Token = "0123456789abcdef0123" }).Listen.IsLocalOnly);
        Assert.Null(SignProxyOptions.Resolve(new SignProxySettings { Listen = "0.0.0.0:7221", AllowUnauthenticated = "1" }).Token);
    }
}
