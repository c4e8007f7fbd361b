using System.Net;
using SshMux.Ssh.OpenSsh;

namespace SshMux.Ssh.Keys;

/// <summary>What a certificate must satisfy to be accepted (the inputs of <see cref="SshCertificateValidator.Validate"/>).</summary>
public sealed record SshCertificatePolicy
{
    /// <summary>CA keys whose signatures are trusted (TrustedUserCAKeys, cert-authority lines, @cert-authority lines).</summary>
    public required IReadOnlyCollection<SshPublicKey> TrustedAuthorities { get; init; }

    /// <summary>User certificates for user authentication, host certificates for host keys.</summary>
    public required SshCertificateType ExpectedType { get; init; }

    /// <summary>
    /// The user name (user certificates, compared exactly) or host name (host certificates, where
    /// each principal may be a wildcard pattern) that must be listed; null skips the principal
    /// check, for callers that match principals themselves (authorized_keys principals="...").
    /// </summary>
    public string? Principal { get; init; }

    /// <summary>The time to check the validity window against; null means the current time.</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>The client's address, checked against a user certificate's source-address option.</summary>
    public IPAddress? ClientAddress { get; init; }

    /// <summary>
    /// Accept a certificate with no principals as valid for any principal (the original
    /// PROTOCOL.certkeys rule). Off by default: sshd never accepted such certificates through
    /// TrustedUserCAKeys and current OpenSSH refuses them everywhere (CVE-2024-7594).
    /// </summary>
    public bool AllowEmptyPrincipals { get; init; }

    /// <summary>Accept CA signatures made with ssh-rsa (RSA/SHA-1), which OpenSSH's CASignatureAlgorithms leaves out by default.</summary>
    public bool AllowSha1Signature { get; init; }
}

/// <summary>Why a certificate was refused.</summary>
public enum SshCertificateFailure
{
    None,
    UntrustedAuthority,
    DisallowedSignatureAlgorithm,
    WrongType,
    NotYetValid,
    Expired,
    NoPrincipals,
    PrincipalNotListed,
    UnsupportedCriticalOption,
    SourceAddressNotPermitted,
}

/// <summary>The outcome of <see cref="SshCertificateValidator.Validate"/>: accepted, or refused with a reason.</summary>
public sealed class SshCertificateValidationResult
{
    private SshCertificateValidationResult(SshCertificateFailure failure, string? reason, SshPublicKey? authority, SshCertificateRestrictions? restrictions)
    {
        Failure = failure;
        Reason = reason;
        Authority = authority;
        Restrictions = restrictions;
    }

    public bool IsValid => Failure == SshCertificateFailure.None;

    public SshCertificateFailure Failure { get; }

    /// <summary>Why the certificate was refused, e.g. "certificate expired at 2030-02-01T00:00:00Z"; null when valid.</summary>
    public string? Reason { get; }

    /// <summary>The trusted CA key that signed the certificate (set when that check passed).</summary>
    public SshPublicKey? Authority { get; }

    /// <summary>The certificate's options (user certificates that were accepted).</summary>
    public SshCertificateRestrictions? Restrictions { get; }

    internal static SshCertificateValidationResult Valid(SshPublicKey authority, SshCertificateRestrictions? restrictions) =>
        new(SshCertificateFailure.None, null, authority, restrictions);

    internal static SshCertificateValidationResult Refused(SshCertificateFailure failure, string reason, SshPublicKey? authority = null) =>
        new(failure, reason, authority, null);

    public override string ToString() => IsValid ? "valid" : Reason!;
}

/// <summary>
/// Decides whether a (decoded, signature-checked) certificate is acceptable, following
/// sshkey_cert_check_authority, sshkey_cert_check_host and sshd's handling of certificate
/// options (PROTOCOL.certkeys; auth2-pubkey.c, auth2-pubkeyfile.c, sshconnect.c).
/// </summary>
public static class SshCertificateValidator
{
    /// <summary>Checks CA trust, CA signature algorithm, type, validity window, principal and options, in that order.</summary>
    public static SshCertificateValidationResult Validate(SshCertificate certificate, SshCertificatePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(policy);

        var authority = FindAuthority(certificate.SignatureKey, policy.TrustedAuthorities);
        if (authority is null)
        {
            return SshCertificateValidationResult.Refused(SshCertificateFailure.UntrustedAuthority,
                $"certificate signed by CA {certificate.SignatureKey.KeyType} {certificate.SignatureKey.GetSha256Fingerprint()}, which is not trusted");
        }

        if (certificate.SignatureAlgorithm == "ssh-rsa" && !policy.AllowSha1Signature)
        {
            return SshCertificateValidationResult.Refused(SshCertificateFailure.DisallowedSignatureAlgorithm,
                "certificate signed with ssh-rsa (RSA/SHA-1), which is not allowed", authority);
        }

        if (certificate.Type != policy.ExpectedType)
        {
            return SshCertificateValidationResult.Refused(SshCertificateFailure.WrongType,
                $"certificate is a {Describe(certificate.Type)} certificate, not a {Describe(policy.ExpectedType)} certificate", authority);
        }

        var now = (policy.Now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        if (now < 0 || (ulong)now < certificate.ValidAfter)
        {
            return SshCertificateValidationResult.Refused(SshCertificateFailure.NotYetValid,
                $"certificate is not valid before {SshCertificate.FormatTime(certificate.ValidAfter)}", authority);
        }

        if ((ulong)now >= certificate.ValidBefore)
        {
            return SshCertificateValidationResult.Refused(SshCertificateFailure.Expired,
                $"certificate expired at {SshCertificate.FormatTime(certificate.ValidBefore)}", authority);
        }

        if (CheckPrincipal(certificate, policy) is { } principalFailure)
        {
            return Refuse(principalFailure, authority);
        }

        if (certificate.Type == SshCertificateType.Host)
        {
            // sshkey_cert_check_host: no critical options are defined for host certificates.
            if (certificate.CriticalOptions.Count != 0)
            {
                return SshCertificateValidationResult.Refused(SshCertificateFailure.UnsupportedCriticalOption,
                    $"host certificate has critical options ('{certificate.CriticalOptions[0].Name}'), which are not supported", authority);
            }

            return SshCertificateValidationResult.Valid(authority, null);
        }

        if (!SshCertificateRestrictions.TryParse(certificate, out var restrictions, out var error))
        {
            return SshCertificateValidationResult.Refused(SshCertificateFailure.UnsupportedCriticalOption, error!, authority);
        }

        if (restrictions!.VerifyRequired)
        {
            // Only FIDO keys carry a user-verification flag in their signatures; none are supported here.
            return SshCertificateValidationResult.Refused(SshCertificateFailure.UnsupportedCriticalOption,
                "certificate requires FIDO user verification (verify-required), which this key type cannot provide", authority);
        }

        if (restrictions.SourceAddress is { } sourceAddress)
        {
            if (policy.ClientAddress is null)
            {
                return SshCertificateValidationResult.Refused(SshCertificateFailure.SourceAddressNotPermitted,
                    $"certificate is restricted to source-address \"{sourceAddress}\" but no client address is known", authority);
            }

            if (AddressPattern.MatchCidrList(policy.ClientAddress, sourceAddress) != 1)
            {
                return SshCertificateValidationResult.Refused(SshCertificateFailure.SourceAddressNotPermitted,
                    $"source address {AddressPattern.Normalize(policy.ClientAddress)} is not permitted by the certificate's source-address \"{sourceAddress}\"", authority);
            }
        }

        return SshCertificateValidationResult.Valid(authority, restrictions);
    }

    /// <summary>A user certificate for <paramref name="userName"/> connecting from <paramref name="clientAddress"/> (sshd's TrustedUserCAKeys path).</summary>
    public static SshCertificateValidationResult ValidateUser(SshCertificate certificate, IReadOnlyCollection<SshPublicKey> trustedAuthorities,
        string userName, IPAddress? clientAddress, DateTimeOffset? now = null) =>
        Validate(certificate, new SshCertificatePolicy
        {
            TrustedAuthorities = trustedAuthorities,
            ExpectedType = SshCertificateType.User,
            Principal = userName,
            ClientAddress = clientAddress,
            Now = now,
        });

    /// <summary>A host certificate presented by <paramref name="hostName"/> (the name the client connected to, without a port).</summary>
    public static SshCertificateValidationResult ValidateHost(SshCertificate certificate, IReadOnlyCollection<SshPublicKey> trustedAuthorities,
        string hostName, DateTimeOffset? now = null) =>
        Validate(certificate, new SshCertificatePolicy
        {
            TrustedAuthorities = trustedAuthorities,
            ExpectedType = SshCertificateType.Host,
            Principal = hostName,
            Now = now,
        });

    private static SshCertificateValidationResult Refuse((SshCertificateFailure Failure, string Reason) failure, SshPublicKey authority) =>
        SshCertificateValidationResult.Refused(failure.Failure, failure.Reason, authority);

    /// <summary>
    /// An empty list means "any principal" only when the policy allows it. Host principals may be
    /// wildcard patterns matched against the lower-cased host name (sshkey_cert_check_authority
    /// with wildcard_pattern set); user principals must equal the user name exactly.
    /// </summary>
    private static (SshCertificateFailure Failure, string Reason)? CheckPrincipal(SshCertificate certificate, SshCertificatePolicy policy)
    {
        if (certificate.Principals.Count == 0)
        {
            return policy.AllowEmptyPrincipals ? null : (SshCertificateFailure.NoPrincipals, "certificate lists no principals");
        }

        if (policy.Principal is not { } name)
        {
            return null;
        }

        var host = certificate.Type == SshCertificateType.Host;
        var wanted = host ? OpenSshPattern.ToLowerAscii(name) : name;
        foreach (var principal in certificate.Principals)
        {
            if (host ? OpenSshPattern.Match(wanted, principal) : principal == wanted)
            {
                return null;
            }
        }

        return (SshCertificateFailure.PrincipalNotListed, $"principal '{name}' not in certificate");
    }

    private static SshPublicKey? FindAuthority(SshPublicKey signatureKey, IReadOnlyCollection<SshPublicKey> trusted)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        foreach (var candidate in trusted)
        {
            if (candidate == signatureKey)
            {
                return candidate;
            }
        }

        return null;
    }

    private static string Describe(SshCertificateType type) => type switch
    {
        SshCertificateType.User => "user",
        SshCertificateType.Host => "host",
        _ => ((uint)type).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
