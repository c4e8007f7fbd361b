using System.CommandLine;
using SshMux.Paths;
using SshMux.Relay;
using SshMux.Ssh;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Trust;

namespace SshMux.Cli;

/// <summary>
/// `ssh-mux serve --remote HOST[:PORT] -u USER [-i KEY] -p LOCALPORT`: the local server in the
/// foreground, relaying every channel over one upstream connection.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var remote = new Option<string>("--remote") { Description = "Upstream HOST[:PORT] every session is relayed to", Required = true };
        var user = new Option<string>("--user", "-u") { Description = "User name on the upstream host", Required = true };
        var identity = new Option<string[]>("--identity", "-i") { Description = "Private key file for the upstream (repeatable; the agent and ~/.ssh/id_* are tried too)", AllowMultipleArgumentsPerToken = false };
        var port = new Option<int>("--port", "-p") { Description = "Local port to listen on (127.0.0.1 only)", DefaultValueFactory = _ => 2222 };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log protocol details" };
        var trustedCaKeys = new Option<string?>("--trusted-user-ca-keys") { Description = "File of CA public keys (sshd's TrustedUserCAKeys): user certificates they signed are accepted for the user names they list as principals" };
        var permitUserEnvironment = new Option<bool>("--permit-user-environment") { Description = "Honour environment=\"NAME=value\" options in ssh-mux-authorized-keys (sshd's PermitUserEnvironment)" };
        var command = new Command("serve", "Run the local SSH server in the foreground and relay every session over one upstream connection")
        {
            remote, user, identity, port, verbose, trustedCaKeys, permitUserEnvironment,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (!HostPort.TryParse(parse.GetValue(remote)!, 22, out var target, out var error))
            {
                await Console.Error.WriteLineAsync("ssh-mux serve: --remote: " + error).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var userName = parse.GetValue(user)!;
            if (userName.Length == 0 || userName.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            {
                await Console.Error.WriteLineAsync("ssh-mux serve: --user must be a user name without white space or control characters").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var localPort = parse.GetValue(port);
            if (localPort is < 0 or > 65535)
            {
                await Console.Error.WriteLineAsync("ssh-mux serve: --port must be between 0 and 65535").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            IReadOnlyList<SshPublicKey> caKeys = [];
            if (parse.GetValue(trustedCaKeys) is { } caFile && !TrustedUserCaKeysFile.TryLoad(caFile, out caKeys, out var caError))
            {
                await Console.Error.WriteLineAsync("ssh-mux serve: --trusted-user-ca-keys: " + caError).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var log = ConsoleLog.Create(parse.GetValue(verbose));
            var access = new LocalAccess(caKeys, parse.GetValue(permitUserEnvironment));
            return await RunAsync(target, userName, parse.GetValue(identity) ?? [], localPort, access, log, ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Who may use the local server beyond ssh-mux-authorized-keys.</summary>
    private sealed record LocalAccess(IReadOnlyList<SshPublicKey> TrustedUserCaKeys, bool PermitUserEnvironment);

    private static async Task<int> RunAsync(HostPort target, string user, string[] identities, int port, LocalAccess access, SshLog log, CancellationToken cancellationToken)
    {
        var directory = SshDirectory.ForCurrentUser();
        var identityFiles = identities.Length > 0 ? identities : directory.DefaultIdentities.Where(File.Exists).ToArray();
        var upstreamTarget = new UpstreamTarget(target.Host, target.Port, user, identityFiles);
        var trust = new KnownHostsTrust([directory.KnownHosts, "/etc/ssh/ssh_known_hosts"], log);
        await using var upstream = new Upstream(new UpstreamConnector(upstreamTarget, trust, log));
        LocalServer server;
        try
        {
            var hostKey = LocalServer.LoadOrCreateHostKey(directory, log);
            var authorized = LocalServer.LoadAuthorizedKeys(directory, log, access.PermitUserEnvironment, access.TrustedUserCaKeys);
            server = new LocalServer(port, hostKey, authorized, upstream, log);
            server.Start();
        }
        catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync("ssh-mux serve: " + e.Message).ConfigureAwait(false);
            return ExitCodes.ProtocolFailure;
        }

        await using (server.ConfigureAwait(false))
        {
            log(SshLogLevel.Info, $"Listening on 127.0.0.1:{server.Port}, relaying to {user}@{target}");
            await server.RunAsync(cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }
}

/// <summary>Writes log lines to stderr with a timestamp.</summary>
internal static class ConsoleLog
{
    public static SshLog Create(bool verbose) => (level, message) =>
    {
        if (level < SshLogLevel.Info && !verbose)
        {
            return;
        }

        Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {level,-7} {message}");
    };
}
