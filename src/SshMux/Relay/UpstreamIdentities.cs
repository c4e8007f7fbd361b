using SshMux.Prompts;
using SshMux.Routing;
using SshMux.Ssh;
using SshMux.Ssh.Agent;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;

namespace SshMux.Relay;

/// <summary>
/// The keys offered to one upstream hop, in ssh's order: each IdentityFile (with its
/// KEY-cert.pub before it), then the agent's keys unless IdentitiesOnly; with no IdentityFile
/// at all, the default ~/.ssh/id_* files take their place. An encrypted key's passphrase is
/// asked through the prompt broker, naming the route and host.
/// </summary>
internal sealed class UpstreamIdentities(IReadOnlyList<string> defaultIdentityFiles, IPromptBroker? broker, SshLog log)
{
    /// <summary>ssh's name for an identity's certificate: the private key's path plus "-cert.pub".</summary>
    private const string CertificateSuffix = "-cert.pub";

    /// <summary>Loads the identities for the hop; the caller disposes the disposable ones after authentication.</summary>
    public async Task<List<ISshIdentity>> LoadAsync(string routeName, RouteHop hop, CancellationToken cancellationToken)
    {
        var identities = new List<ISshIdentity>();
        var files = hop.IdentityFiles.Count > 0 ? hop.IdentityFiles : defaultIdentityFiles.Where(File.Exists).ToList();
        foreach (var path in files)
        {
            if (await LoadKeyAsync(routeName, hop, path, cancellationToken).ConfigureAwait(false) is not { } file)
            {
                continue;
            }

            // As ssh does for every identity file: KEY-cert.pub beside it is presented too,
            // before the plain key, so a server that only trusts the CA counts no failure.
            if (LoadCertificate(path, file.Key) is { } certificate)
            {
                identities.Add(new SshCertificateIdentity(file.Key, certificate, path + CertificateSuffix));
            }

            identities.Add(new PrivateKeyIdentity(file.Key, path, ownsKey: true));
        }

        if (!hop.IdentitiesOnly)
        {
            identities.AddRange(await LoadAgentIdentitiesAsync(cancellationToken).ConfigureAwait(false));
        }

        return identities;
    }

    /// <summary>The key file, asking for its passphrase when it is encrypted; null when it cannot be used (logged).</summary>
    private async Task<PrivateKeyFile?> LoadKeyAsync(string routeName, RouteHop hop, string path, CancellationToken cancellationToken)
    {
        var needsPassphrase = false;
        try
        {
            // First without a passphrase: the callback only notes that one is needed.
            return PrivateKeyFile.Load(path, _ =>
            {
                needsPassphrase = true;
                return null;
            });
        }
        catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or FormatException)
        {
            if (!needsPassphrase)
            {
                log(SshLogLevel.Warning, $"Skipping identity {path}: {e.Message}");
                return null;
            }
        }

        if (broker is null)
        {
            log(SshLogLevel.Warning, $"Skipping identity {path}: it is encrypted and there is no prompt front end to ask for its passphrase");
            return null;
        }

        var request = new PromptRequest(PromptKind.Passphrase, routeName, hop.Display, "Key passphrase", $"The key {path} is encrypted.", [new PromptField($"Enter passphrase for key '{path}': ", false)]);
        var answers = await broker.AskAsync(request, cancellationToken).ConfigureAwait(false);
        if (answers is not { Count: > 0 })
        {
            log(SshLogLevel.Warning, $"Skipping identity {path}: no passphrase was given");
            return null;
        }

        try
        {
            var passphrase = answers[0];
            return PrivateKeyFile.Load(path, _ => (byte[])passphrase.Clone());
        }
        catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or FormatException)
        {
            log(SshLogLevel.Warning, $"Skipping identity {path}: {e.Message}");
            return null;
        }
        finally
        {
            foreach (var answer in answers)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(answer);
            }
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
