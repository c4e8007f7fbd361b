using System.Net.Sockets;
using SshMux.Routing;
using SshMux.Ssh;
using SshMux.Ssh.Agent;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Trust;

namespace SshMux.Relay;

/// <summary>Where and as whom the upstream connection goes.</summary>
internal sealed record UpstreamTarget(string Host, int Port, string User, IReadOnlyList<string> IdentityFiles)
{
    public RouteHop Hop => new(Host, Port, User, IdentityFiles, HostKeyPolicy: HostKeyPolicy.Strict);
}

/// <summary>An authenticated upstream connection ready for channels.</summary>
internal sealed class UpstreamConnection(SshTransport transport, SshConnectionService connection) : IAsyncDisposable
{
    public SshTransport Transport { get; } = transport;

    public SshConnectionService Connection { get; } = connection;

    public bool IsAlive => !Transport.IsClosed;

    public ValueTask DisposeAsync() => Transport.DisposeAsync();
}

/// <summary>
/// Opens the upstream connection: TCP, key exchange with the host key checked against
/// known_hosts as strictly as OpenSSH (unknown, changed or revoked keys are refused), then
/// publickey authentication with the -i files (each with its KEY-cert.pub certificate when
/// there is one), the agent's keys and the default identities.
/// </summary>
internal sealed class UpstreamConnector(UpstreamTarget target, IHostKeyTrust trust, SshLog log)
{
    /// <summary>ssh's name for an identity's certificate: the private key's path plus "-cert.pub".</summary>
    private const string CertificateSuffix = "-cert.pub";

    public async Task<UpstreamConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(target.Host, target.Port, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            tcp.Dispose();
            throw new SshException(DisconnectReason.ConnectionLost, $"Cannot connect to {target.Host} port {target.Port}: {e.Message}", e);
        }

        SshTransport? transport = null;
        var identities = new List<ISshIdentity>();
        try
        {
            var options = new SshClientOptions { Log = log, HostKeyVerifier = (v, ct) => trust.VerifyAsync(new HostKeyCheck(target.User, target.Hop, v), ct) };
            transport = await SshTransport.ConnectAsync(tcp.GetStream(), options, cancellationToken).ConfigureAwait(false);
            var router = new SshServiceRouter(transport);

            // The connection layer must be in place before authentication succeeds: sshd sends
            // a global request (hostkeys-00@openssh.com) right after its USERAUTH_SUCCESS.
            var connection = new SshConnectionService(router);
            identities.AddRange(LoadIdentityFiles());
            identities.AddRange(await LoadAgentIdentitiesAsync(cancellationToken).ConfigureAwait(false));
            var auth = new ClientAuthOptions { Identities = identities, Log = log };
            await SshClientAuthentication.AuthenticateAsync(router, target.User, auth, cancellationToken).ConfigureAwait(false);
            log(SshLogLevel.Info, $"Upstream {target.User}@{target.Host}:{target.Port} connected and authenticated");
            return new UpstreamConnection(transport, connection);
        }
        catch
        {
            if (transport is not null)
            {
                await transport.DisposeAsync().ConfigureAwait(false);
            }

            tcp.Dispose();
            throw;
        }
        finally
        {
            foreach (var identity in identities.OfType<IDisposable>())
            {
                identity.Dispose();
            }
        }
    }

    private IEnumerable<ISshIdentity> LoadIdentityFiles()
    {
        foreach (var path in target.IdentityFiles)
        {
            PrivateKeyFile file;
            try
            {
                file = PrivateKeyFile.Load(path, Prompt.ReadPassphrase);
            }
            catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or FormatException)
            {
                log(SshLogLevel.Warning, $"Skipping identity {path}: {e.Message}");
                continue;
            }

            // As ssh does for every identity file: KEY-cert.pub beside it is presented too,
            // before the plain key, so a server that only trusts the CA counts no failure.
            if (LoadCertificate(path, file.Key) is { } certificate)
            {
                yield return new SshCertificateIdentity(file.Key, certificate, path + CertificateSuffix);
            }

            yield return new PrivateKeyIdentity(file.Key, path, ownsKey: true);
        }
    }

    /// <summary>The certificate in PATH-cert.pub for the key, or null (none, unreadable, or for another key: logged).</summary>
    private SshCertificate? LoadCertificate(string path, SshPrivateKey key)
    {
        var certificatePath = path + CertificateSuffix;
        if (!File.Exists(certificatePath))
        {
            return null;
        }

        SshCertificate certificate;
        try
        {
            certificate = SshCertificateLine.Load(certificatePath).Certificate;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            log(SshLogLevel.Warning, $"Not presenting certificate {certificatePath}: {e.Message}");
            return null;
        }

        if (certificate.PublicKey != key.PublicKey)
        {
            log(SshLogLevel.Warning, $"Not presenting certificate {certificatePath}: it certifies {certificate.PublicKey.GetSha256Fingerprint()}, not the key of {path} ({key.PublicKey.GetSha256Fingerprint()})");
            return null;
        }

        if (certificate.Type != SshCertificateType.User)
        {
            log(SshLogLevel.Warning, $"Not presenting certificate {certificatePath}: it is a host certificate");
            return null;
        }

        var validBefore = certificate.ValidBefore == SshCertificate.Forever ? "forever" : SshCertificate.FormatTime(certificate.ValidBefore);
        log(SshLogLevel.Debug, $"Presenting certificate {certificatePath}: ID \"{certificate.KeyId}\" serial {certificate.Serial}, principals {string.Join(",", certificate.Principals)}, valid before {validBefore}");
        return certificate;
    }

    private async Task<IReadOnlyList<ISshIdentity>> LoadAgentIdentitiesAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SSH_AUTH_SOCK")))
        {
            return [];
        }

        try
        {
            return await AgentIdentity.FromAgentAsync(SshAgentClient.FromEnvironment(), cancellationToken).ConfigureAwait(false);
        }
        catch (SshException e)
        {
            log(SshLogLevel.Warning, "Not using the ssh-agent: " + e.Message);
            return [];
        }
    }
}
