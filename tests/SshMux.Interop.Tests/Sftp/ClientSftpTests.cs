using SshMux.Interop.Tests.Harness;
using SshMux.Interop.Tests.PeerInterop;
using SshMux.Interop.Tests.Relay;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Sftp;

/// <summary>
/// ssh-mux's SFTP client against SFTP servers we did not write: OpenSSH's internal-sftp and
/// sftp-server under sshd, sftp-server under Dropbear, Paramiko's SFTPServer, node ssh2's
/// SFTP stream, and OpenSSH's sftp-server through `ssh-mux serve`. Each puts and gets 100 MB
/// checked by SHA-256; the timings are in the test output.
/// </summary>
[Collection(RelayTestGroup.Name)]
public class ClientSftpTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [InlineData("internal-sftp")]
    [InlineData("/usr/lib/openssh/sftp-server")]
    public Task PutAndGetAgainstSshd(string subsystem) => _run.RunAsync(async ct =>
    {
        using var work = new TempDirectory("sshmux-sftp-");
        var key = await PeerClientKey.GenerateAsync(_run, work.File("client_ed25519"));
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], SshPublicKeyLine.Parse(key.PublicKeyLine).Key, "Subsystem sftp " + subsystem, "LogLevel VERBOSE"));
        await using var session = await OurSession.ConnectWithKeyAsync(_run, sshd.Port, Environment.UserName, key, ct);
        await SftpChecks.PutAndGetAsync(_run, session.Connection, work, "sshd " + subsystem, SftpChecks.HundredMegabytes, ct);
    }, SftpChecks.TransferTimeout);

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task FileOperationsAgainstSshd() => _run.RunAsync(async ct =>
    {
        using var work = new TempDirectory("sshmux-sftp-");
        var key = await PeerClientKey.GenerateAsync(_run, work.File("client_ed25519"));
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], SshPublicKeyLine.Parse(key.PublicKeyLine).Key, "Subsystem sftp internal-sftp", "LogLevel VERBOSE"));
        await using var session = await OurSession.ConnectWithKeyAsync(_run, sshd.Port, Environment.UserName, key, ct);
        await SftpChecks.FileOperationsAsync(session.Connection, work, symbolicLinks: true, ct);
    });

    /// <summary>Dropbear runs the sftp-server compiled into it (SFTPSERVER_PATH; Debian's is /usr/lib/sftp-server, OpenSSH's).</summary>
    [OtherPeerFact(Peers.Dropbear, Peers.DropbearKey, Peers.SshKeygen, PeerPrograms.Unshare)]
    public Task PutAndGetAgainstDropbear() => _run.RunAsync(async ct =>
    {
        Assert.True(File.Exists("/usr/lib/sftp-server"), "Dropbear's sftp-server /usr/lib/sftp-server is missing (apt-get install openssh-sftp-server)");
        using var work = new TempDirectory("sshmux-sftp-");
        var key = await PeerClientKey.GenerateAsync(_run, work.File("client_ed25519"));
        await using var dropbear = await DropbearLoginServer.StartAsync(_run, key.PublicKeyLine);
        await using var session = await OurSession.ConnectWithKeyAsync(_run, dropbear.Port, Environment.UserName, key, ct);
        Assert.StartsWith("SSH-2.0-dropbear", session.Transport.RemoteVersion, StringComparison.Ordinal);
        await SftpChecks.PutAndGetAsync(_run, session.Connection, work, "dropbear", SftpChecks.HundredMegabytes, ct);
    }, SftpChecks.TransferTimeout);

    [OtherPeerFact(Peers.SshKeygen, PeerPrograms.Paramiko)]
    public Task PutAndGetAgainstParamiko() => _run.RunAsync(async ct =>
    {
        await using var server = await SftpScriptServer.StartAsync(_run, ScriptServerKind.Paramiko);
        await using var session = await server.ConnectAsync(_run, ct);
        Assert.StartsWith("SSH-2.0-paramiko", session.Transport.RemoteVersion, StringComparison.Ordinal);
        await SftpChecks.PutAndGetAsync(_run, session.Connection, server.Work, "paramiko", SftpChecks.HundredMegabytes, ct);
    }, SftpChecks.TransferTimeout);

    [OtherPeerFact(Peers.SshKeygen, PeerPrograms.Paramiko)]
    public Task FileOperationsAgainstParamiko() => _run.RunAsync(async ct =>
    {
        await using var server = await SftpScriptServer.StartAsync(_run, ScriptServerKind.Paramiko);
        await using var session = await server.ConnectAsync(_run, ct);
        await SftpChecks.FileOperationsAsync(session.Connection, server.Work, symbolicLinks: true, ct);
    });

    [OtherPeerFact(Peers.SshKeygen, PeerPrograms.NodeSsh2)]
    public Task PutAndGetAgainstNodeSsh2() => _run.RunAsync(async ct =>
    {
        await using var server = await SftpScriptServer.StartAsync(_run, ScriptServerKind.NodeSsh2);
        await using var session = await server.ConnectAsync(_run, ct);
        Assert.StartsWith("SSH-2.0-ssh2js", session.Transport.RemoteVersion, StringComparison.Ordinal);
        await SftpChecks.PutAndGetAsync(_run, session.Connection, server.Work, "node ssh2", SftpChecks.HundredMegabytes, ct);
    }, SftpChecks.TransferTimeout);

    /// <summary>Our client -> ssh-mux serve -> sshd: the sftp subsystem relayed over the shared upstream.</summary>
    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task PutAndGetThroughServe() => _run.RunAsync(async ct =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        using var identity = new PrivateKeyIdentity(PrivateKeyFile.Load(rig.ClientKey.PrivateKeyPath).Key, rig.ClientKey.PrivateKeyPath, ownsKey: true);
        await using var session = await OurSession.ConnectAsync(_run, rig.Serve.Port, RelayRig.User, new ClientAuthOptions { Identities = [identity], Methods = [SshAuthMethods.PublicKey] }, ct);
        await SftpChecks.PutAndGetAsync(_run, session.Connection, rig.Work, "sshd through ssh-mux serve", SftpChecks.HundredMegabytes, ct);
    }, SftpChecks.TransferTimeout);
}
