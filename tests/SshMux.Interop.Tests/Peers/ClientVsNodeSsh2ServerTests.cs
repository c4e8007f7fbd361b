using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>ssh-mux's client against node ssh2's server: publickey and password authentication, exec with stderr and exit status.</summary>
public class ClientVsNodeSsh2ServerTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [OtherPeerTheory(Peers.SshKeygen, PeerPrograms.NodeSsh2)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(44)]
    public Task PublicKeyThenExec(int code) => _run.RunAsync(async ct =>
    {
        PeerPrograms.Require(PeerPrograms.NodeSsh2);
        await using var rig = await ScriptServerRig.StartAsync(_run, ScriptServerKind.NodeSsh2);
        await using var session = await rig.ConnectWithKeyAsync(_run, ct);
        Assert.Equal(["publickey"], session.Auth.Methods);
        await rig.WaitForLogAsync($"publickey-accepted {ScriptServerRig.User} ssh-ed25519");
        Assert.StartsWith("SSH-2.0-ssh2js", session.Transport.RemoteVersion, StringComparison.Ordinal);

        var result = await session.ExecAsync($"echo to-stdout; echo to-stderr >&2; exit {code}", pty: false, ct);
        Assert.True((uint)code == result.ExitStatus, result.ToString());
        Assert.Equal("to-stdout\n", result.StdoutText);
        Assert.Equal("to-stderr\n", result.StderrText);
    });

    /// <summary>A wrong password is refused and the callback asked again; the right one signs in and the session works.</summary>
    [OtherPeerFact(Peers.SshKeygen, PeerPrograms.NodeSsh2)]
    public Task PasswordThenExec() => _run.RunAsync(async ct =>
    {
        PeerPrograms.Require(PeerPrograms.NodeSsh2);
        await using var rig = await ScriptServerRig.StartAsync(_run, ScriptServerKind.NodeSsh2);
        await using var session = await rig.ConnectWithPasswordAsync(_run, ct);
        Assert.Equal(["password"], session.Auth.Methods);
        await rig.WaitForLogAsync($"password-accepted {ScriptServerRig.User}");
        Assert.Equal(1, rig.Server.Count(l => l == $"password-refused {ScriptServerRig.User}"));

        var result = await session.ExecAsync("echo signed-in; exit 7", pty: false, ct);
        Assert.True(result.ExitStatus == 7, result.ToString());
        Assert.Equal("signed-in\n", result.StdoutText);
    });
}
