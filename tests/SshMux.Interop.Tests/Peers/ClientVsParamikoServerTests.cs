using SshMux.Interop.Tests.Harness;
using SshMux.Ssh;
using SshMux.Ssh.Connection;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>ssh-mux's client against a Paramiko server: publickey and password authentication, exec with stderr and exit status.</summary>
public class ClientVsParamikoServerTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [OtherPeerTheory(Peers.SshKeygen, PeerPrograms.Paramiko)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(44)]
    public Task PublicKeyThenExec(int code) => _run.RunAsync(async ct =>
    {
        PeerPrograms.Require(PeerPrograms.Paramiko);
        await using var rig = await ScriptServerRig.StartAsync(_run, ScriptServerKind.Paramiko);
        await using var session = await rig.ConnectWithKeyAsync(_run, ct);
        Assert.Equal(["publickey"], session.Auth.Methods);
        await rig.WaitForLogAsync($"publickey-accepted {ScriptServerRig.User} ssh-ed25519");
        Assert.StartsWith("SSH-2.0-paramiko", session.Transport.RemoteVersion, StringComparison.Ordinal);

        var result = await session.ExecAsync($"echo to-stdout; echo to-stderr >&2; exit {code}", pty: false, ct);
        Assert.True((uint)code == result.ExitStatus, result.ToString());
        Assert.Equal("to-stdout\n", result.StdoutText);
        Assert.Equal("to-stderr\n", result.StderrText);
    });

    /// <summary>A wrong password is refused and the callback asked again; the right one signs in and the session works.</summary>
    [OtherPeerFact(Peers.SshKeygen, PeerPrograms.Paramiko)]
    public Task PasswordThenExec() => _run.RunAsync(async ct =>
    {
        PeerPrograms.Require(PeerPrograms.Paramiko);
        await using var rig = await ScriptServerRig.StartAsync(_run, ScriptServerKind.Paramiko);
        await using var session = await rig.ConnectWithPasswordAsync(_run, ct);
        Assert.Equal(["password"], session.Auth.Methods);
        await rig.WaitForLogAsync($"password-accepted {ScriptServerRig.User}");
        Assert.Equal(1, rig.Server.Count(l => l == $"password-refused {ScriptServerRig.User}"));

        var result = await session.ExecAsync("echo signed-in; exit 7", pty: false, ct);
        Assert.True(result.ExitStatus == 7, result.ToString());
        Assert.Equal("signed-in\n", result.StdoutText);
    });

    /// <summary>
    /// A Paramiko server that runs the command before check_channel_exec_request returns (or
    /// in a thread that wins the race with paramiko's reply, as the common pattern of starting
    /// the command there does) sends its CHANNEL_SUCCESS after its CHANNEL_CLOSE. That breaks
    /// RFC 4254 section 5.3, but OpenSSH only logs "channel_input_status_confirm: N: unknown"
    /// and goes on (channels.c). ssh-mux's client must not drop the whole connection, with
    /// every other channel on it: a global request round trip behind the stray reply and a
    /// second exec on the same connection must still work.
    /// </summary>
    [OtherPeerFact(Peers.SshKeygen, PeerPrograms.Paramiko)]
    public Task ExecReplyAfterCloseLeavesTheConnectionUsable() => _run.RunAsync(async ct =>
    {
        PeerPrograms.Require(PeerPrograms.Paramiko);
        await using var rig = await ScriptServerRig.StartAsync(_run, ScriptServerKind.Paramiko);
        await using var session = await rig.ConnectWithKeyAsync(_run, ct);

        var channel = await session.Connection.OpenSessionAsync(ct);
        try
        {
            // The channel closes before the reply comes: a failed request is a fair answer.
            await channel.SendRequestAsync(SessionRequests.Exec, true, SessionRequests.EncodeExec("close-before-reply echo early; exit 5"), ct);
        }
        catch (SshException e)
        {
            _run.Note("exec request ended without a reply: " + e.Message);
        }

        var stdout = new MemoryStream();
        uint? status = null;
        for (var e = await channel.ReadEventAsync(ct); e.Kind != ChannelEventKind.Closed; e = await channel.ReadEventAsync(ct))
        {
            if (e.Kind == ChannelEventKind.Data)
            {
                stdout.Write(e.Data.Span);
                channel.Release(e);
            }
            else if (e.Kind == ChannelEventKind.Request && e.RequestType == SessionRequests.ExitStatus)
            {
                status = SessionRequests.DecodeExitStatus(e.RequestData);
            }
        }

        Assert.Equal("early\n", System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal(5u, status);

        // Replies come in order, so this one comes behind the stray CHANNEL_SUCCESS.
        var (keepAlive, _) = await session.Connection.SendGlobalRequestAsync("keepalive@openssh.com", true, ReadOnlyMemory<byte>.Empty, ct);
        Assert.False(keepAlive);
        Assert.False(session.Transport.IsClosed, "The connection closed: " + session.Transport.CloseReason?.Message);

        var second = await session.ExecAsync("echo still-here", pty: false, ct);
        Assert.True(second.ExitStatus == 0, second.ToString());
        Assert.Equal("still-here\n", second.StdoutText);
    });
}
