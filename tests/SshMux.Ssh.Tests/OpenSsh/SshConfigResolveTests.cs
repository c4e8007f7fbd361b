using SshMux.Ssh.OpenSsh;

namespace SshMux.Ssh.Tests.OpenSsh;

/// <summary>
/// Which values apply to a host: Host and Match blocks, first value wins, accumulating keywords,
/// ProxyJump against ProxyCommand, the "final" pass. Expected values follow `ssh -G` of OpenSSH
/// 9.2 (each case here was run through it when written; SshConfigPeerTests does so on every run).
/// </summary>
public class SshConfigResolveTests
{
    private static SshConfigOptions Resolve(string text, string alias, string localUser = "me") =>
        SshConfig.Parse(text, "c", new SshConfigReadOptions("/nonexistent")).Resolve(alias, localUser);

    [Fact]
    public void FirstObtainedValueWins()
    {
        const string text = """
            Host web
              User first
              Port 2200
            Host *
              User second
              Port 22
              HostName fallback.example
            """;
        var web = Resolve(text, "web");
        Assert.Equal("first", web.User);
        Assert.Equal(2200, web.Port);
        Assert.Equal("fallback.example", web.HostName);
        var other = Resolve(text, "other");
        Assert.Equal("second", other.User);
    }

    [Fact]
    public void IdentityFilesAccumulateWithoutDuplicates()
    {
        const string text = """
            Host web
              IdentityFile ~/.ssh/a
              IdentityFile ~/.ssh/a
              LocalForward 8080 localhost:80
            Host *
              IdentityFile ~/.ssh/b
              LocalForward 8081 localhost:81
            """;
        var web = Resolve(text, "web");
        Assert.Equal(new[] { "~/.ssh/a", "~/.ssh/b" }, web.IdentityFiles);
        Assert.Equal(2, web.All("localforward").Count);
    }

    [Theory]
    [InlineData("web", "pos")]
    [InlineData("db", "neg")]
    [InlineData("Web", "pos")]
    public void HostPatternsAndNegation(string alias, string user)
    {
        const string text = """
            Host * !web !Web
              User neg
            Host *
              User pos
            """;
        Assert.Equal(user, Resolve(text, alias).User);
    }

    [Fact]
    public void HostPatternsAreSpaceSeparatedAndCaseSensitive()
    {
        const string text = """
            Host a,b
              User comma
            Host B
              User upper
            """;
        Assert.Null(Resolve(text, "a").User);
        Assert.Null(Resolve(text, "b").User);
        Assert.Equal("upper", Resolve(text, "B").User);
        Assert.Equal("b", Resolve(text, "B").HostName);
    }

    [Fact]
    public void HostNameExpandsPercentH()
    {
        var options = Resolve("Host *\n  HostName %h.Internal.%%\n", "Db");
        Assert.Equal("db.internal.%", options.HostName);
        var e = Assert.Throws<SshConfigException>(() => Resolve("Host x\n  HostName %p\n", "x"));
        Assert.Contains("c:2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MatchHostSeesHostNameAndOriginalHostSeesAlias()
    {
        const string text = """
            Host short
              HostName long.example.com
            Match host *.example.com originalhost short
              User matched
            Match host short
              Port 1
            """;
        var options = Resolve(text, "short");
        Assert.Equal("matched", options.User);
        Assert.Null(options.Port);
    }

    [Fact]
    public void MatchUserSeesUserSoFarAndLocalUser()
    {
        const string text = """
            Match localuser alice,carol
              Port 1000
            Host x
              User bob
            Match user bob
              IdentitiesOnly yes
            Match !user bob
              StrictHostKeyChecking yes
            """;
        var x = Resolve(text, "x", "alice");
        Assert.Equal(1000, x.Port);
        Assert.True(x.IdentitiesOnly);
        Assert.Null(x.StrictHostKeyChecking);
        var y = Resolve(text, "y", "dave");
        Assert.Null(y.Port);
        Assert.Null(y.IdentitiesOnly);
        Assert.Equal("yes", y.StrictHostKeyChecking);
    }

    [Fact]
    public void MatchExecNeverRunsAndNeverMatches()
    {
        const string text = """
            Match exec "touch /tmp/ssh-mux-must-not-exist"
              User ran
            Match !exec "false"
              Port 7
            Match all
              HostName h
            """;
        var options = Resolve(text, "x");
        Assert.Null(options.User);
        Assert.Null(options.Port);
        Assert.Equal("h", options.HostName);
        Assert.Equal(2, options.Warnings.Count);
        Assert.All(options.Warnings, w => Assert.Contains("exec", w.Message, StringComparison.Ordinal));
        Assert.False(File.Exists("/tmp/ssh-mux-must-not-exist"));
    }

    [Fact]
    public void MatchFinalReadsTheFilesAgainWithTheHostName()
    {
        const string text = """
            Host x
              HostName real
            Match final host real
              User fin
            Host real
              Port 99
            Match canonical
              IdentitiesOnly yes
            """;
        var options = Resolve(text, "x");
        Assert.Equal("fin", options.User);
        Assert.Equal(99, options.Port);
        Assert.True(options.IdentitiesOnly);

        // Without a "final" anywhere there is no second pass.
        var single = Resolve(text.Replace("Match final host real", "Match host nothing", StringComparison.Ordinal), "x");
        Assert.Null(single.Port);
        Assert.Null(single.IdentitiesOnly);
    }

    [Theory]
    [InlineData("ProxyJump a\nProxyCommand nc %h\n", "a", null)]
    [InlineData("ProxyCommand nc %h\nProxyJump a\n", null, "nc %h")]
    [InlineData("ProxyJump none\nProxyCommand nc %h\n", null, "nc %h")]
    [InlineData("ProxyJump none\nProxyJump a\n", null, null)]
    [InlineData("ProxyCommand none\nProxyJump a\n", null, null)]
    [InlineData("ProxyJump a,b#c\n", "a,b", null)]
    public void ProxyJumpAndProxyCommandFirstOneWins(string text, string? jump, string? command)
    {
        var options = Resolve("Host x\n" + text, "x");
        Assert.Equal(jump, options.ProxyJump);
        Assert.Equal(command, options.ProxyCommand);
    }

    [Fact]
    public void CommandLineOptionsComeFirst()
    {
        var config = SshConfig.Parse("Host x\n  User u\n  Port 5\n  ProxyJump j\n", "c", new SshConfigReadOptions("/nonexistent"));
        var options = config.Resolve("x", "me", new SshConfigCommandLine("cli", 6, "k"));
        Assert.Equal("cli", options.User);
        Assert.Equal(6, options.Port);
        Assert.Equal("k", options.ProxyJump);
    }

    [Theory]
    [InlineData("a,b")]
    [InlineData("a;b")]
    [InlineData("-oProxyCommand=x")]
    [InlineData("a b")]
    [InlineData("$(id)")]
    public void RefusesHostNamesSshRefuses(string alias)
    {
        var config = SshConfig.Parse("Host *\n  User u\n", "c", new SshConfigReadOptions("/nonexistent"));
        Assert.Throws<SshConfigException>(() => config.Resolve(alias, "me"));
    }

    [Fact]
    public void ConcreteAliasesAreHostNamesWithoutPatterns()
    {
        const string text = """
            Host web db *.example.com !bad
              User u
            Host coder.*
              ProxyCommand coder ssh --stdio %h
            Host web other
              Port 2
            """;
        var config = SshConfig.Parse(text, "c", new SshConfigReadOptions("/nonexistent"));
        Assert.Equal(new[] { "web", "db", "other" }, config.ConcreteHostAliases("me"));
        Assert.Equal("c:1", config.DefinitionOf("web"));
    }
}
