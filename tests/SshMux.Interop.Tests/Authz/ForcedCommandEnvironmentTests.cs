using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Authz;

/// <summary>
/// Under command=, sshd puts what the client asked for in SSH_ORIGINAL_COMMAND. The relay can
/// only pass it upstream as an env request, so it arrives when the upstream's AcceptEnv lists
/// it (here) and not otherwise (<see cref="RelayAuthorizationTests.ForcedCommandRunsInsteadOfTheRequestedOne"/>).
/// </summary>
public class ForcedCommandEnvironmentTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task OriginalCommandReachesAnUpstreamThatAcceptsIt() => _run.RunAsync(async _ =>
    {
        await using var relay = await AuthzRelay.StartAsync("AcceptEnv SSH_ORIGINAL_COMMAND");
        relay.TrackIn(_run);
        var key = await relay.NewKeyAsync("user_original");
        await relay.SetAuthorizedKeysAsync("command=\"echo \\\"forced:[$SSH_ORIGINAL_COMMAND]\\\"\" " + key.PublicKeyLine);

        var exec = await relay.SshAsync(key, "echo requested");
        Assert.True(exec.ExitCode == 0, exec.Output);
        Assert.Contains("forced:[echo requested]", exec.Lines);

        // A shell request has no original command.
        var shell = await relay.SshAsync(key, null, "-T");
        Assert.Contains("forced:[]", shell.Lines);
        Assert.DoesNotContain(relay.Serve.Lines, l => l.Contains("refused SSH_ORIGINAL_COMMAND", StringComparison.Ordinal));
    });
}
