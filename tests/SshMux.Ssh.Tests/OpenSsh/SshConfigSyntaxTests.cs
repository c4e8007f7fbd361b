using SshMux.Ssh.OpenSsh;

namespace SshMux.Ssh.Tests.OpenSsh;

/// <summary>
/// How ssh_config lines split into keyword and arguments (readconf.c strdelim, misc.c
/// argv_split) and which lines are refused with FILE:LINE. The expected splits were checked
/// against `ssh -G` of OpenSSH 9.2; SshConfigPeerTests in SshMux.Tests compares whole files.
/// </summary>
public class SshConfigSyntaxTests
{
    [Theory]
    [InlineData("User bob", "user", new[] { "bob" })]
    [InlineData("  USER   bob  ", "user", new[] { "bob" })]
    [InlineData("User=bob", "user", new[] { "bob" })]
    [InlineData("User = bob", "user", new[] { "bob" })]
    [InlineData("\tUser\t=\tbob", "user", new[] { "bob" })]
    [InlineData("User \"a b\"", "user", new[] { "a b" })]
    [InlineData("User 'a\"b'", "user", new[] { "a\"b" })]
    [InlineData("User a\\ b", "user", new[] { "a b" })]
    [InlineData("User a\\x", "user", new[] { "a\\x" })]
    [InlineData("User bob # a comment", "user", new[] { "bob" })]
    [InlineData("User bob#not-a-comment", "user", new[] { "bob#not-a-comment" })]
    [InlineData("Host a b,c  \"d e\"", "host", new[] { "a", "b,c", "d e" })]
    [InlineData("\"Host\" x", "host", new[] { "x" })]
    public void SplitsKeywordAndArguments(string text, string keyword, string[] arguments)
    {
        var line = SshConfigLine.Parse("f", 1, text);
        Assert.NotNull(line);
        Assert.Equal(keyword, line.Keyword);
        Assert.Equal(arguments, line.Arguments);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("# comment")]
    [InlineData("   #User bob")]
    [InlineData("\r")]
    public void BlankAndCommentLinesAreNothing(string text) => Assert.Null(SshConfigLine.Parse("f", 1, text));

    [Fact]
    public void ProxyCommandKeepsTheWholeRestOfTheLine()
    {
        var line = SshConfigLine.Parse("f", 1, "ProxyCommand = \"C:\\coder.exe\" ssh --stdio %h # kept  \r");
        Assert.NotNull(line);
        Assert.Equal("\"C:\\coder.exe\" ssh --stdio %h # kept", SshConfigKeywords.CommandText(line));
    }

    [Theory]
    [InlineData("User", "no argument after keyword \"user\"")]
    [InlineData("User \"bob", "invalid quotes")]
    [InlineData("User a b", "keyword user extra arguments at end of line")]
    [InlineData("Port 0", "Bad port '0'.")]
    [InlineData("Port 65536", "Bad port '65536'.")]
    [InlineData("Port 22x", "Bad port '22x'.")]
    [InlineData("IdentitiesOnly maybe", "unsupported option \"maybe\".")]
    [InlineData("StrictHostKeyChecking sometimes", "unsupported option \"sometimes\".")]
    [InlineData("ProxyJump a, b", "keyword proxyjump extra arguments at end of line")]
    [InlineData("ProxyJump a,,b", "Invalid ProxyJump \"a,,b\"")]
    [InlineData("ProxyJump @host", "Invalid ProxyJump \"@host\"")]
    [InlineData("ProxyJump host:0", "Invalid ProxyJump \"host:0\"")]
    [InlineData("ProxyJump ssh://host/path", "Invalid ProxyJump \"ssh://host/path\"")]
    [InlineData("Match all host x", "'all' cannot be combined with other Match attributes")]
    [InlineData("Match host", "Missing Match criteria for host")]
    [InlineData("Match sometimes x", "Unsupported Match attribute sometimes")]
    [InlineData("Host \"\"", "keyword host empty argument")]
    public void RefusedLinesNameFileAndLine(string badLine, string message)
    {
        var text = "# first\nHost x\n  " + badLine + "\n";
        var e = Assert.Throws<SshConfigException>(() => SshConfig.Parse(text, "/home/u/.ssh/config", new SshConfigReadOptions("/nonexistent")));
        Assert.Equal("/home/u/.ssh/config", e.FileName);
        Assert.Equal(3, e.LineNumber);
        Assert.StartsWith("/home/u/.ssh/config:3: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesBrokenLinesEvenInBlocksThatNeverApply()
    {
        var text = "Host never-used\n  Port 99999\n";
        Assert.Throws<SshConfigException>(() => SshConfig.Parse(text, "c", new SshConfigReadOptions("/nonexistent")));
    }

    [Fact]
    public void KeepsUnknownKeywords()
    {
        var config = SshConfig.Parse("Host x\n  FutureOption  some value\n  Port 2\n", "c", new SshConfigReadOptions("/nonexistent"));
        var options = config.Resolve("x", "me");
        Assert.Equal(new[] { "some", "value" }, options.First("futureoption")!.Arguments);
        Assert.Equal(2, options.Port);
    }

    [Theory]
    [InlineData("host", null, "host", null)]
    [InlineData("u@host", "u", "host", null)]
    [InlineData("u@host:2222", "u", "host", 2222)]
    [InlineData("u@v@host", "u@v", "host", null)]
    [InlineData("[::1]:22", null, "::1", 22)]
    [InlineData("u@[fe80::1]", "u", "fe80::1", null)]
    [InlineData("ssh://host", null, "host", null)]
    [InlineData("ssh://u;fingerprint=x@host:23", "u", "host", 23)]
    [InlineData("ssh://a%40b@host:23/", "a@b", "host", 23)]
    public void ParsesJumpHosts(string text, string? user, string host, int? port)
    {
        Assert.True(SshJumpHost.TryParse(text, out var hop));
        Assert.Equal(user, hop.User);
        Assert.Equal(host, hop.Host);
        Assert.Equal(port, hop.Port);
    }

    [Fact]
    public void JumpListNoneIsEmpty()
    {
        Assert.True(SshJumpHost.TryParseList("NONE", out var hops));
        Assert.Empty(hops);
        Assert.True(SshJumpHost.TryParseList("a,u@b:3", out hops));
        Assert.Equal(new[] { "a", "b" }, hops.Select(h => h.Host));
    }
}
