using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.OpenSsh;

/// <summary>The verdict on a host key.</summary>
public enum KnownHostsStatus
{
    /// <summary>The key is listed for the host, or it is a valid host certificate from a CA trusted for the host.</summary>
    Trusted,

    /// <summary>Nothing is known about keys of the host: ask the person (or refuse, with StrictHostKeyChecking).</summary>
    Unknown,

    /// <summary>Other keys are listed for the host and this one is not: a possible attack, refuse.</summary>
    Changed,

    /// <summary>The key (or the certificate's key or CA) is marked @revoked: refuse.</summary>
    Revoked,
}

/// <summary>Settings for checking host certificates.</summary>
public sealed record KnownHostsLookupOptions
{
    /// <summary>The time for certificate validity; null means the current time.</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>Accept host certificates whose CA signed with ssh-rsa (SHA-1).</summary>
    public bool AllowSha1CaSignature { get; init; }

    /// <summary>Accept host certificates with no principals as valid for any host (refused by current OpenSSH).</summary>
    public bool AllowEmptyPrincipals { get; init; }
}

/// <summary>The outcome of a known_hosts check.</summary>
public sealed class KnownHostsLookupResult
{
    internal KnownHostsLookupResult(KnownHostsStatus status, string name, KnownHostsEntry? entry,
        IReadOnlyList<KnownHostsEntry> otherKeys, string? certificateFailure)
    {
        Status = status;
        Name = name;
        Entry = entry;
        OtherKeys = otherKeys;
        CertificateFailure = certificateFailure;
    }

    public KnownHostsStatus Status { get; }

    /// <summary>The known_hosts name that was looked up ("host" or "[host]:port").</summary>
    public string Name { get; }

    /// <summary>The line that decided: the matching key or @cert-authority line, or the @revoked line.</summary>
    public KnownHostsEntry? Entry { get; }

    /// <summary>True when a host certificate was accepted through a @cert-authority line.</summary>
    public bool TrustedByCertificateAuthority => Status == KnownHostsStatus.Trusted && Entry?.Marker == KnownHostsMarker.CertAuthority;

    /// <summary>For <see cref="KnownHostsStatus.Changed"/>: the keys listed for the host instead.</summary>
    public IReadOnlyList<KnownHostsEntry> OtherKeys { get; }

    /// <summary>The "SHA256:..." fingerprints of <see cref="OtherKeys"/>, for the warning shown to the person.</summary>
    public IReadOnlyList<string> OtherKeyFingerprints => OtherKeys.Select(e => e.Key.GetSha256Fingerprint()).ToList().AsReadOnly();

    /// <summary>
    /// When a host certificate was presented but not accepted through a CA (no trusted CA, or the
    /// certificate is invalid for the host), why; the verdict is then the one for its plain key.
    /// </summary>
    public string? CertificateFailure { get; }

    public override string ToString() => Status switch
    {
        KnownHostsStatus.Trusted => $"{Name}: trusted ({Entry!.Location})",
        KnownHostsStatus.Revoked => $"{Name}: revoked ({Entry!.Location})",
        KnownHostsStatus.Changed => $"{Name}: CHANGED, known keys {string.Join(", ", OtherKeyFingerprints)}",
        _ => $"{Name}: unknown",
    };
}

/// <summary>
/// ssh's host key check (sshconnect.c check_host_key, hostfile.c check_key_in_hostkeys) over
/// the entries of one or more known_hosts files that apply to the host:
/// <list type="bullet">
/// <item>@revoked wins: a revoked key, or a certificate whose key or CA is revoked, is Revoked.</item>
/// <item>A certificate is Trusted when a @cert-authority line for the host holds its CA and it is
/// a valid host certificate for the host name (principals may be wildcards). Otherwise its plain
/// key is checked as below, and the reason is reported.</item>
/// <item>A plain key is Trusted when a line lists it, Changed when lines list only other keys
/// (of any type), Unknown when no unmarked line applies.</item>
/// </list>
/// </summary>
public static class KnownHostsLookup
{
    public static KnownHostsLookupResult Check(IEnumerable<KnownHostsFile> files, string host, int port, SshPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(key);
        var name = KnownHostsEntry.HostName(host, port);
        return CheckPlain(Applicable(files, name), name, key, null);
    }

    public static KnownHostsLookupResult Check(IEnumerable<KnownHostsFile> files, string host, int port, SshCertificate certificate,
        KnownHostsLookupOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(certificate);
        options ??= new KnownHostsLookupOptions();
        var name = KnownHostsEntry.HostName(host, port);
        var entries = Applicable(files, name);

        // check_key_not_revoked: the certificate's own key, or its CA.
        var revoked = entries.Find(e => e.Marker == KnownHostsMarker.Revoked && (e.Key == certificate.PublicKey || e.Key == certificate.SignatureKey));
        if (revoked is not null)
        {
            return new KnownHostsLookupResult(KnownHostsStatus.Revoked, name, revoked, [], null);
        }

        string failure;
        var authority = entries.Find(e => e.Marker == KnownHostsMarker.CertAuthority && e.Key == certificate.SignatureKey);
        if (authority is null)
        {
            failure = $"no @cert-authority line for {name} trusts CA {certificate.SignatureKey.KeyType} {certificate.SignatureKey.GetSha256Fingerprint()}";
        }
        else
        {
            // The principal is the host name the user asked for, without the port (sshkey_cert_check_host).
            var validation = SshCertificateValidator.Validate(certificate, new SshCertificatePolicy
            {
                TrustedAuthorities = [authority.Key],
                ExpectedType = SshCertificateType.Host,
                Principal = host,
                Now = options.Now,
                AllowSha1Signature = options.AllowSha1CaSignature,
                AllowEmptyPrincipals = options.AllowEmptyPrincipals,
            });
            if (validation.IsValid)
            {
                return new KnownHostsLookupResult(KnownHostsStatus.Trusted, name, authority, [], null);
            }

            failure = $"{authority.Location}: {validation.Reason}";
        }

        // ssh then retries with the plain key inside the certificate.
        return CheckPlain(entries, name, certificate.PublicKey, failure);
    }

    private static KnownHostsLookupResult CheckPlain(List<KnownHostsEntry> entries, string name, SshPublicKey key, string? certificateFailure)
    {
        var revoked = entries.Find(e => e.Marker == KnownHostsMarker.Revoked && e.Key == key);
        if (revoked is not null)
        {
            return new KnownHostsLookupResult(KnownHostsStatus.Revoked, name, revoked, [], certificateFailure);
        }

        var listed = entries.Where(e => e.Marker == KnownHostsMarker.None).ToList();
        var match = listed.Find(e => e.Key == key);
        if (match is not null)
        {
            return new KnownHostsLookupResult(KnownHostsStatus.Trusted, name, match, [], certificateFailure);
        }

        return listed.Count == 0
            ? new KnownHostsLookupResult(KnownHostsStatus.Unknown, name, null, [], certificateFailure)
            : new KnownHostsLookupResult(KnownHostsStatus.Changed, name, null, listed.AsReadOnly(), certificateFailure);
    }

    /// <summary>
    /// The host key algorithms to offer for a host, ordered as ssh's order_hostkeyalgs orders
    /// them: the certificate algorithms first when a @cert-authority line applies to the host,
    /// then the algorithms of key types known_hosts lists for it, then the rest of
    /// <paramref name="defaults"/>. Null when known_hosts says nothing about the host, so the
    /// caller keeps its defaults. Without this a host known by its RSA key that also has an
    /// Ed25519 key would be negotiated to Ed25519 and look changed.
    /// </summary>
    public static IReadOnlyList<string>? PreferredHostKeyAlgorithms(IEnumerable<KnownHostsFile> files, string host, int port,
        IReadOnlyList<string>? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        defaults ??= AlgorithmRegistry.DefaultHostKeyAlgorithms;
        var entries = Applicable(files, KnownHostsEntry.HostName(host, port));
        var preferred = new List<string>();
        if (entries.Exists(e => e.Marker == KnownHostsMarker.CertAuthority))
        {
            preferred.AddRange(AlgorithmRegistry.CertificateHostKeyAlgorithms);
        }

        var knownTypes = entries.Where(e => e.Marker == KnownHostsMarker.None).Select(e => e.Key.KeyType).ToHashSet(StringComparer.Ordinal);
        preferred.AddRange(defaults.Where(a => AlgorithmRegistry.FindHostKey(a) is { } found && knownTypes.Contains(found.KeyType)));
        if (preferred.Count == 0)
        {
            return null;
        }

        preferred.AddRange(defaults.Where(a => !preferred.Contains(a)));
        return preferred.AsReadOnly();
    }

    private static List<KnownHostsEntry> Applicable(IEnumerable<KnownHostsFile> files, string name) =>
        files.SelectMany(f => f.FindEntries(name)).ToList();
}
