using System.Text;
using SshMux.Routing;

namespace SshMux.Tests.Routing;

/// <summary>The routes file example in README.md is one the loader accepts, meaning what the README says.</summary>
public sealed class ReadmeRoutesExampleTests
{
    private static string ReadmeToml()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "README.md")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var readme = File.ReadAllText(Path.Combine(directory.FullName, "README.md"));
        var start = readme.IndexOf("```toml\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no ```toml block");
        start += "```toml\n".Length;
        return readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
    }

    [Fact]
    public void TheReadmeExampleLoads()
    {
        var routes = RoutesFile.Parse(Encoding.UTF8.GetBytes(ReadmeToml()), "README.md", "/home/someone").ToDictionary(r => r.Name);
        Assert.Equal(["deep", "external", "webserver", "workspace"], routes.Keys.Order(StringComparer.Ordinal));

        var web = routes["webserver"];
        Assert.Equal("bastion.example.com", Assert.Single(web.Jumps).Host);
        Assert.True(web.AllowRemoteLoopbackAnyPort);

        var external = routes["external"];
        Assert.Empty(external.Jumps);
        Assert.Equal(["/home/someone/.ssh/id_ops"], external.Target.IdentityFiles);
        Assert.Equal(HostKeyPolicy.AcceptNew, external.Target.HostKeyPolicy);
        Assert.False(external.AllowRemoteLoopbackAnyPort);

        var workspace = routes["workspace"];
        Assert.Equal("coder ssh --stdio ws1", workspace.Target.ProxyCommand);
        Assert.True(workspace.RelayKeyboardInteractive);

        var deep = routes["deep"];
        Assert.Equal(["gw1.example.com:2200", "gw2:22"], deep.Jumps.Select(j => $"{j.Host}:{j.Port}"));
        Assert.Equal(["ops", "admin"], deep.Jumps.Select(j => j.User));
    }
}
