using System.Collections.Concurrent;
using SshMux.Prompts;
using SshMux.Routing;
using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Transport;

namespace SshMux.Trust;

/// <summary>
/// ssh's host key check (sshconnect.c check_host_key) for upstream hops, with the seed's
/// fail-closed rules: a trusted key or valid host certificate passes; a changed key is always
/// refused (both fingerprints in the message); a revoked key or CA is refused; an unknown key is
/// decided by the hop's <see cref="HostKeyPolicy"/>: Ask puts it to the person through the
/// prompt broker and only "yes" accepts (no answer refuses), AcceptNew pins it unless a
/// @cert-authority line covers the host (accepting a plain key would silently bypass the CA),
/// Strict refuses. An accepted key is pinned with an atomic write; if that fails, the key is
/// refused. Connections that meet the same unknown key at once share one question.
/// </summary>
internal sealed class HostKeyTrust(HostKeyTrustOptions options, IPromptBroker? prompts, SshLog log) : IHostKeyTrust
{
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _pending = new(StringComparer.Ordinal);

    public IReadOnlyList<string>? PreferredHostKeyAlgorithms(RouteHop hop)
    {
        ArgumentNullException.ThrowIfNull(hop);
        var known = HopKnownHosts.For(options, hop);
        return TryLoad(known, out var files) ? KnownHostsLookup.PreferredHostKeyAlgorithms(files, known.Host, known.Port) : null;
    }

    public async ValueTask<bool> VerifyAsync(HostKeyCheck check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(check);
        var known = HopKnownHosts.For(options, check.Hop);
        if (Settle(check, known, out var files, out var verdict) is { } decided)
        {
            return decided;
        }

        var key = check.Verification.HostKey;
        var authorities = Authorities(files, verdict.Name);
        switch (check.Hop.HostKeyPolicy)
        {
            case HostKeyPolicy.Strict:
                return Refuse(check, $"The host key of {verdict.Name} is not known ({key.KeyType} {key.GetSha256Fingerprint()}){Because(verdict)}, " +
                    $"and the route asks for strict host key checking. Add it to {known.PinFile ?? known.Files.FirstOrDefault() ?? "a known_hosts file"} to connect.");
            case HostKeyPolicy.AcceptNew when authorities.Count > 0:
                return Refuse(check, $"The host key of {verdict.Name} is not known ({key.KeyType} {key.GetSha256Fingerprint()}){Because(verdict)}. " +
                    $"It is not accepted automatically because known_hosts trusts a certificate authority for this host " +
                    $"({string.Join(", ", authorities.Select(a => a.Location))}): that would silently replace CA trust with a pinned key.");
            case HostKeyPolicy.AcceptNew:
                return Pin(check, known, verdict.Name, "accept-new");
            default:
                // Routes with other known_hosts files must not answer each other's question.
                var id = verdict.Name + " " + Convert.ToBase64String(key.Blob.Span) + " " + string.Join('\0', known.Files);
                var shared = _pending.GetOrAdd(id, _ => new Lazy<Task<bool>>(() => AskAndPinAsync(id, check, known)));
                return await shared.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads known_hosts and decides whatever needs no question; null when the key is unknown (then the files and verdict are set).</summary>
    private bool? Settle(HostKeyCheck check, HopKnownHosts known, out List<KnownHostsFile> files, out KnownHostsLookupResult verdict)
    {
        verdict = null!;
        if (!TryLoad(known, out files))
        {
            return false;
        }

        verdict = Lookup(files, check, known);
        return verdict.Status == KnownHostsStatus.Unknown ? null : Decide(verdict, check, known);
    }

    /// <summary>Trusted, Changed or Revoked: nothing to ask.</summary>
    private bool Decide(KnownHostsLookupResult verdict, HostKeyCheck check, HopKnownHosts known)
    {
        var key = check.Verification.HostKey;
        switch (verdict.Status)
        {
            case KnownHostsStatus.Trusted when verdict.TrustedByCertificateAuthority:
                var certificate = check.Verification.Certificate!;
                log(SshLogLevel.Info, $"Host certificate of {verdict.Name} accepted: {certificate.KeyType} {key.GetSha256Fingerprint()}, " +
                    $"serial {certificate.Serial}, signed by CA {certificate.SignatureKey.KeyType} {certificate.SignatureKey.GetSha256Fingerprint()} ({verdict.Entry!.Location})");
                return true;
            case KnownHostsStatus.Trusted:
                log(SshLogLevel.Debug, $"Host key of {verdict.Name} found in {verdict.Entry!.Location}: {key.KeyType} {key.GetSha256Fingerprint()}");
                return true;
            case KnownHostsStatus.Revoked:
                return Refuse(check, $"The host key of {verdict.Name} ({key.KeyType} {key.GetSha256Fingerprint()}) or its certificate authority " +
                    $"is marked @revoked in {verdict.Entry!.Location}. Refusing to connect.");
            default:
                var listed = string.Join(", ", verdict.OtherKeys.Select(e => $"{e.Key.KeyType} {e.Key.GetSha256Fingerprint()} ({e.Location})"));
                return Refuse(check, $"REMOTE HOST IDENTIFICATION HAS CHANGED for {verdict.Name}! It presented {key.KeyType} {key.GetSha256Fingerprint()}, " +
                    $"but known_hosts lists {listed}{Because(verdict)}. Someone could be eavesdropping on you (a man-in-the-middle attack), " +
                    $"or the host key has just been changed. Refusing to connect; if the change is expected, remove the old key " +
                    $"(ssh-keygen -R \"{verdict.Name}\" -f {verdict.OtherKeys.FirstOrDefault()?.FileName ?? known.PinFile}).");
        }
    }

    /// <summary>The shared question for one host and key; the files are read again first, as another connection may have just pinned it.</summary>
    private async Task<bool> AskAndPinAsync(string id, HostKeyCheck check, HopKnownHosts known)
    {
        try
        {
            if (Settle(check, known, out var files, out var verdict) is { } decided)
            {
                return decided;
            }

            var key = check.Verification.HostKey;
            var refusal = $"The host key of {verdict.Name} ({key.KeyType} {key.GetSha256Fingerprint()}) is not known";
            if (prompts is null)
            {
                return Refuse(check, $"{refusal} and no prompt front end is available to confirm it. Refusing to connect.");
            }

            var request = HostKeyPrompt.Build(check.RouteName, verdict.Name, key, Authorities(files, verdict.Name), verdict.CertificateFailure, known.PinFile ?? "no file (UserKnownHostsFile none)");
            IReadOnlyList<byte[]>? answers;
            try
            {
                // Not the first caller's token: the question is shared, and the broker times out and cancels by itself.
                answers = await prompts.AskAsync(request, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
            {
                return Refuse(check, $"{refusal} and asking to confirm it failed: {e.Message}. Refusing to connect.");
            }

            if (answers is null)
            {
                return Refuse(check, $"{refusal} and it was not confirmed (the prompt was cancelled, timed out or had no front end). Refusing to connect.");
            }

            if (!HostKeyPrompt.IsYes(answers, key))
            {
                return Refuse(check, $"{refusal} and it was declined. Refusing to connect.");
            }

            return Pin(check, known, verdict.Name, "confirmed");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Records an accepted key. Reached only once the hop's policy accepted the key (accept-new,
    /// or a "yes" to the question), so a UserKnownHostsFile of /dev/null or none (coder
    /// config-ssh writes "StrictHostKeyChecking no" with "UserKnownHostsFile /dev/null") accepts
    /// without remembering, as ssh does; the atomic writer must never rename over a device.
    /// </summary>
    private bool Pin(HostKeyCheck check, HopKnownHosts known, string name, string how)
    {
        var key = check.Verification.HostKey;
        var refusal = $"The host key of {name} ({key.KeyType} {key.GetSha256Fingerprint()}) was {how}, but it cannot be pinned";
        PinTarget target;
        try
        {
            target = known.Classify();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Refuse(check, $"{refusal}: {e.Message}. Refusing to connect.");
        }

        switch (target)
        {
            case PinTarget.None:
                log(SshLogLevel.Info, $"Host key of {name} ({key.KeyType} {key.GetSha256Fingerprint()}, {how}) not pinned: UserKnownHostsFile is none.");
                return true;
            case PinTarget.Discard:
                log(SshLogLevel.Info, $"Host key of {name} ({key.KeyType} {key.GetSha256Fingerprint()}, {how}) not pinned: UserKnownHostsFile is {known.PinFile}.");
                return true;
            case PinTarget.Unusable:
                return Refuse(check, $"{refusal}: {known.PinFile} is not a regular file. Refusing to connect.");
        }

        var added = KnownHostsWriter.Add(known.PinFile!, known.Host, known.Port, key, options.HashKnownHosts);
        if (!added.Success)
        {
            return Refuse(check, $"{refusal}: {added.Error}. Refusing to connect.");
        }

        log(SshLogLevel.Warning, $"Permanently added {name} ({key.KeyType} {key.GetSha256Fingerprint()}, {how}) to {known.PinFile}.");
        return true;
    }

    private KnownHostsLookupResult Lookup(List<KnownHostsFile> files, HostKeyCheck check, HopKnownHosts known)
    {
        var verification = check.Verification;
        if (verification.Certificate is not { } certificate)
        {
            return KnownHostsLookup.Check(files, known.Host, known.Port, verification.HostKey);
        }

        // The principal is the name the hop connects to, or its HostKeyAlias (ssh_config(5)).
        var verdict = KnownHostsLookup.Check(files, known.Host, known.Port, certificate, new KnownHostsLookupOptions { Now = options.Clock?.Invoke() });
        if (verdict.CertificateFailure is { } failure)
        {
            log(SshLogLevel.Warning, $"Host certificate of {verdict.Name} not accepted ({failure}); checking its plain key instead.");
        }

        return verdict;
    }

    private static List<KnownHostsEntry> Authorities(List<KnownHostsFile> files, string name) =>
        files.SelectMany(f => f.FindEntries(name)).Where(e => e.Marker == KnownHostsMarker.CertAuthority).ToList();

    private static string Because(KnownHostsLookupResult verdict) =>
        verdict.CertificateFailure is { } failure ? $"; its host certificate was not accepted: {failure}" : string.Empty;

    /// <summary>Reads every known_hosts file; an unreadable one refuses (a @revoked line in it must not be missed).</summary>
    private bool TryLoad(HopKnownHosts known, out List<KnownHostsFile> files)
    {
        files = [];
        foreach (var path in known.Files)
        {
            KnownHostsFile file;
            try
            {
                file = KnownHostsFile.Load(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Refuse(null, $"Cannot read {path}: {e.Message}. Refusing to connect, since a @revoked or @cert-authority line in it cannot be checked.");
            }

            foreach (var warning in file.Warnings)
            {
                log(SshLogLevel.Warning, warning.ToString());
            }

            files.Add(file);
        }

        return true;
    }

    /// <summary>Logs the reason and keeps it on the check, so the connector can tell the client why.</summary>
    private bool Refuse(HostKeyCheck? check, string message)
    {
        log(SshLogLevel.Error, message);
        if (check is not null)
        {
            check.Refusal = message;
        }

        return false;
    }
}
