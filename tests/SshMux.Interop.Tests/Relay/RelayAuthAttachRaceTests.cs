using System.Net.Sockets;
using System.Threading.Channels;
using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Relay;

/// <summary>
/// serve's local server attaches its authentication layer only after the first key exchange
/// has completed (LocalServer.ServeAsync: SshTransport.AcceptAsync returns, then
/// <c>new SshServiceRouter(transport)</c> and <c>new SshServerAuthentication(...)</c>), but the
/// transport's receive loop is already running by then. A USERAUTH_REQUEST that arrives in
/// between is answered by the bare transport with "no method can continue" (an empty
/// USERAUTH_FAILURE), or refused by a router that has no authentication layer yet, and the
/// client gives up: OpenSSH says "Permission denied ()." or "Unexpected authentication message
/// 50: no authentication is in progress". Under heavy load the same gap shows after
/// authentication too: OpenSSH's first global request after USERAUTH_SUCCESS meets a router
/// with no connection layer yet ("Unexpected connection message 80: no connection service is
/// running"). These tests fail while that race exists.
/// </summary>
[Collection(RelayTestGroup.Name)]
public class RelayAuthAttachRaceTests(ITestOutputHelper output)
{
    private const byte UserAuthRequest = 50;
    private const byte UserAuthFailure = 51;
    private readonly InteropRun _run = new(output);

    /// <summary>
    /// A client may send its USERAUTH_REQUEST right behind its SERVICE_REQUEST (nothing in
    /// RFC 4253 section 10 or RFC 4252 makes it wait for SERVICE_ACCEPT; OpenSSH's sshd
    /// answers such a pipelined request). Every one of 200 connections must be told
    /// "publickey" can continue.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task PipelinedUserauthRequestIsAnsweredByTheAuthenticationLayer() => _run.RunAsync(async ct =>
    {
        await using var rig = await RelayRig.StartAsync(_run, new RelayRigOptions { WarmUp = false });
        var answers = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            answers.Add(await PipelinedNoneAsync(rig.Serve.Port, ct));
        }

        var wrong = answers.Select((a, i) => (Answer: a, Connection: i + 1)).Where(a => a.Answer != "publickey").ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {answers.Count} USERAUTH_REQUEST \"none\" sent right behind SERVICE_REQUEST were not answered with \"publickey\": "
            + string.Join(", ", wrong.Select(w => $"#{w.Connection}: {w.Answer}")));
    });

    /// <summary>
    /// The same race as OpenSSH meets it: the first ssh to a freshly started serve. OpenSSH
    /// waits for SERVICE_ACCEPT, which narrows the window, but a fresh process still compiles
    /// the authentication layer's code while the reply travels. Fifteen fresh serve processes,
    /// one ssh each, none retried: every one must authenticate.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task FirstSshToFreshServeAuthenticates() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        await rig.Serve.DisposeAsync();
        var failures = new List<string>();
        for (var i = 0; i < 15; i++)
        {
            await using var serve = await ServeInstance.StartAsync(rig.Serve.Home, $"127.0.0.1:{rig.Sshd.Port}", RelayRig.User);
            _run.Track(serve.Process);
            await rig.TrustServePortAsync(serve.Port);
            var result = await PipedProcess.RunAsync("ssh", Peers.Require(Peers.Ssh), rig.SshArguments("true", port: serve.Port), null, RelayRig.ClientTimeout, RelayRig.ClientEnvironment);
            if (result.ExitCode != 0)
            {
                failures.Add($"serve #{i + 1}: {result.ExitCode}: {result.StderrText.Trim()}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of 15 first connections failed:\n" + string.Join('\n', failures));
    }, TimeSpan.FromSeconds(150));

    /// <summary>Key exchange with ssh-mux's client, then SERVICE_REQUEST and USERAUTH_REQUEST "none" back to back; returns the methods that can continue.</summary>
    private async Task<string> PipelinedNoneAsync(int port, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port, cancellationToken);
        var options = new SshClientOptions { HostKeyVerifier = (_, _) => ValueTask.FromResult(true) };
        await using var transport = await SshTransport.ConnectAsync(tcp.GetStream(), options, cancellationToken);
        var replies = Channel.CreateUnbounded<byte[]>();
        transport.MessageHandler = (_, payload, _) =>
        {
            replies.Writer.TryWrite(payload.ToArray());
            return ValueTask.CompletedTask;
        };

        using var none = new SshWriter();
        none.WriteByte(UserAuthRequest);
        none.WriteString(RelayRig.User);
        none.WriteString("ssh-connection");
        none.WriteString("none");
        var service = transport.RequestServiceAsync("ssh-userauth", cancellationToken);
        await transport.SendMessageAsync(none.ToArray(), cancellationToken);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            await service.WaitAsync(timeout.Token);
            var read = replies.Reader.ReadAsync(timeout.Token).AsTask();
            if (await Task.WhenAny(read, transport.Completion) != read)
            {
                return $"no answer: serve closed the connection ({transport.CloseReason?.Message})";
            }

            var reply = await read;
            if (reply[0] != UserAuthFailure)
            {
                return $"message {reply[0]}";
            }

            var methods = new SshReader(reply.AsSpan(1)).ReadAsciiString();
            return methods.Length == 0 ? "(empty list)" : methods;
        }
        catch (Exception e) when (e is OperationCanceledException or SshMux.Ssh.SshException)
        {
            return $"no answer ({transport.CloseReason?.Message ?? e.Message})";
        }
    }
}
