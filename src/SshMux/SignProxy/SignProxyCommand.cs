using System.CommandLine;
using SshMux.Cli;
using SshMux.Ssh.Transport;

namespace SshMux.SignProxy;

/// <summary>
/// `ssh-mux sign-proxy`: a local HTTP signing endpoint backed by an ssh-agent, so a container
/// or sandbox can sign git commits (gpg.ssh.program = contrib/sign-proxy/ssh-mux-sign-shim)
/// while the private key stays in the host's agent. docs/sign-proxy.md has the set-up.
/// Every option falls back to its SSH_AGENT_PROXY_* environment variable.
/// </summary>
internal static class SignProxyCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen", "-l") { Description = $"HOST:PORT or unix:/path to listen on ({SignProxySettings.ListenVariable}; default {SignProxyOptions.DefaultListen})" };
        var ns = new Option<string>("--namespace", "-n") { Description = $"SSHSIG namespace to sign in ({SignProxySettings.NamespaceVariable}; default {SignProxyOptions.DefaultNamespace})" };
        var upstream = new Option<string>("--upstream") { Description = $"Agent socket or pipe ({SignProxySettings.UpstreamVariable}; default $SSH_AUTH_SOCK)" };
        var pubkey = new Option<string>("--pubkey") { Description = $"Sign only with this key: its authorized_keys line ({SignProxySettings.PublicKeyVariable})" };
        var pubkeyFile = new Option<string>("--pubkey-file") { Description = $"Sign only with the key in this .pub file ({SignProxySettings.PublicKeyFileVariable})" };
        var tokenFile = new Option<string>("--token-file") { Description = $"Require \"Authorization: Bearer TOKEN\" on /sign and /publickey, TOKEN being this file's first line ({SignProxySettings.TokenFileVariable}, or the token itself in {SignProxySettings.TokenVariable})" };
        var maxBody = new Option<string>("--max-body") { Description = $"Largest body /sign accepts, in bytes ({SignProxySettings.MaxBodyVariable}; default {SignProxyOptions.DefaultMaxBody})" };
        var allowUnauthenticated = new Option<bool>("--allow-unauthenticated") { Description = $"Allow a non-loopback TCP address without a token ({SignProxySettings.AllowUnauthenticatedVariable}=1)" };
        var noHardening = new Option<bool>("--no-hardening") { Description = "Do not apply process hardening (to attach a debugger)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every request" };
        var command = new Command("sign-proxy", "Serve SSHSIG signatures (ssh-keygen -Y sign) over HTTP from an ssh-agent, for git in containers")
        {
            listen, ns, upstream, pubkey, pubkeyFile, tokenFile, maxBody, allowUnauthenticated, noHardening, verbose,
        };
        command.SetAction(async (parse, ct) =>
        {
            var environment = SignProxySettings.FromEnvironment(Environment.GetEnvironmentVariable);
            var settings = environment with
            {
                Listen = parse.GetValue(listen) ?? environment.Listen,
                Namespace = parse.GetValue(ns) ?? environment.Namespace,
                Upstream = parse.GetValue(upstream) ?? environment.Upstream,
                // A key given on the command line replaces both environment pins.
                PublicKey = parse.GetValue(pubkey) ?? (parse.GetValue(pubkeyFile) is null ? environment.PublicKey : null),
                PublicKeyFile = parse.GetValue(pubkeyFile) ?? environment.PublicKeyFile,
                Token = parse.GetValue(tokenFile) is null ? environment.Token : null,
                TokenFile = parse.GetValue(tokenFile) ?? environment.TokenFile,
                MaxBody = parse.GetValue(maxBody) ?? environment.MaxBody,
                AllowUnauthenticated = parse.GetValue(allowUnauthenticated) ? "1" : environment.AllowUnauthenticated,
            };
            var log = ConsoleLog.Create(parse.GetValue(verbose));
            SignProxyOptions options;
            try
            {
                options = SignProxyOptions.Resolve(settings);
            }
            catch (FormatException e)
            {
                await Console.Error.WriteLineAsync("ssh-mux sign-proxy: " + e.Message).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!parse.GetValue(noHardening))
            {
                ProcessHardening.Apply(log);
            }

            return await RunAsync(options, log, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(SignProxyOptions options, SshLog log, CancellationToken cancellationToken)
    {
        using var token = options.Token;
        SignProxyServer server;
        try
        {
            server = await SignProxyServer.StartAsync(options, log, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync("ssh-mux sign-proxy: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }

        await using (server.ConfigureAwait(false))
        {
            var pin = options.PinnedKey is { } key ? $"pinned key {key.KeyType} {key.GetSha256Fingerprint()}" : "the agent's first key";
            log(SshLogLevel.Info, $"Listening on {server.Address} (namespace \"{options.Namespace}\", agent {options.Upstream ?? "(none)"}, {pin}{(options.Token is null ? string.Empty : ", token required")})");
            await server.RunAsync(cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }
}
