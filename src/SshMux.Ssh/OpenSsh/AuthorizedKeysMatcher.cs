using SshMux.Ssh.Keys;

namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// sshd's authorized_keys check (auth2-pubkeyfile.c auth_check_authkey_line): entries are tried
/// in order; an entry whose key matches but whose options refuse the client (from=, expiry-time)
/// is passed over and later entries still get their chance. A plain key matches entries that
/// hold the same key and are not cert-authority; a certificate matches cert-authority entries
/// that hold its CA key, and must then also pass the certificate checks.
/// </summary>
public static class AuthorizedKeysMatcher
{
    public static AuthorizedKeysMatch Match(IEnumerable<AuthorizedKeysFile> files, SshPublicKey key, AuthorizedKeysContext context)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(context);
        var rejections = new List<AuthorizedKeysRejection>();
        foreach (var entry in files.SelectMany(f => f.Entries))
        {
            if (entry.Key is null || entry.Key != key)
            {
                continue;
            }

            if (entry.Options.CertAuthority)
            {
                rejections.Add(new(entry, "the key is listed as a cert-authority, which only authorises certificates"));
                continue;
            }

            if (CheckEntryOptions(entry.Options, context, certificate: false) is { } refusal)
            {
                rejections.Add(new(entry, refusal));
                continue;
            }

            return Accept(entry, FromOptions(entry.Options, context), rejections);
        }

        return Refuse(rejections, $"no entry for {key.KeyType} key {key.GetSha256Fingerprint()}");
    }

    public static AuthorizedKeysMatch Match(IEnumerable<AuthorizedKeysFile> files, SshCertificate certificate, AuthorizedKeysContext context)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(context);
        var rejections = new List<AuthorizedKeysRejection>();
        foreach (var entry in files.SelectMany(f => f.Entries))
        {
            if (entry.Key is null || !entry.Options.CertAuthority || entry.Key != certificate.SignatureKey)
            {
                continue;
            }

            if (CheckEntryOptions(entry.Options, context, certificate: true) is { } refusal)
            {
                rejections.Add(new(entry, refusal));
                continue;
            }

            // principals="..." replaces the user name as what the certificate must list.
            var validation = SshCertificateValidator.Validate(certificate, new SshCertificatePolicy
            {
                TrustedAuthorities = [entry.Key],
                ExpectedType = SshCertificateType.User,
                Principal = entry.Options.Principals is null ? context.UserName : null,
                ClientAddress = context.ClientAddress,
                Now = context.Now,
                AllowEmptyPrincipals = context.AllowEmptyCertificatePrincipals,
                AllowSha1Signature = context.AllowSha1CaSignature,
            });
            if (!validation.IsValid)
            {
                rejections.Add(new(entry, validation.Reason!));
                continue;
            }

            if (entry.Options.Principals is { } principals && !MatchPrincipalsOption(principals, certificate))
            {
                rejections.Add(new(entry, $"certificate does not contain an authorized principal (principals=\"{principals}\")"));
                continue;
            }

            var merged = Merge(entry.Options, validation.Restrictions!, context);
            if (merged is null)
            {
                rejections.Add(new(entry, "forced command options do not match (command= and the certificate's force-command differ)"));
                continue;
            }

            return Accept(entry, merged, rejections);
        }

        return Refuse(rejections,
            $"no cert-authority entry for CA {certificate.SignatureKey.KeyType} {certificate.SignatureKey.GetSha256Fingerprint()}");
    }

    /// <summary>auth_authorise_keyopts for the entry's own options.</summary>
    private static string? CheckEntryOptions(AuthorizedKeyOptions options, AuthorizedKeysContext context, bool certificate)
    {
        var now = context.Now ?? DateTimeOffset.UtcNow;
        if (options.ExpiryTime is { } expiry && expiry.ToUnixTimeSeconds() < now.ToUnixTimeSeconds())
        {
            return $"entry expired at {expiry.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'}";
        }

        if (options.Principals is not null && !certificate)
        {
            return "principals= on a key that is not a cert-authority";
        }

        if (options.From is { } from)
        {
            var address = AddressPattern.Normalize(context.ClientAddress);
            var host = context.ClientHostName ?? address?.ToString();
            switch (AddressPattern.MatchHostAndAddress(host, address, from))
            {
                case 1:
                    break;
                case -1:
                    return $"invalid from= pattern list \"{from}\"";
                default:
                    return address is null
                        ? $"from=\"{from}\" restricts the entry but no client address is known"
                        : $"from=\"{from}\" does not match the client (host {host}, address {address})";
            }
        }

        return null;
    }

    /// <summary>match_principals_option: any name of the comma list (up to an empty entry) listed in the certificate.</summary>
    private static bool MatchPrincipalsOption(string list, SshCertificate certificate)
    {
        foreach (var name in list.Split(','))
        {
            if (name.Length == 0)
            {
                break;
            }

            if (certificate.Principals.Contains(name, StringComparer.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static AuthorizedKeyRestrictions FromOptions(AuthorizedKeyOptions options, AuthorizedKeysContext context) => new()
    {
        PortForwarding = options.PortForwarding,
        AgentForwarding = options.AgentForwarding,
        X11Forwarding = options.X11Forwarding,
        Pty = options.Pty,
        UserRc = options.UserRc,
        NoTouchRequired = options.NoTouchRequired,
        VerifyRequired = options.VerifyRequired,
        Command = options.Command,
        Environment = PermittedEnvironment(options.Environment, context),
        PermitOpen = options.PermitOpen,
        PermitListen = options.PermitListen,
        TunnelDevice = options.TunnelDevice,
        ExpiryTime = options.ExpiryTime,
        From = options.From,
    };

    /// <summary>sshauthopt_merge(entry options, certificate options); null when both force different commands.</summary>
    private static AuthorizedKeyRestrictions? Merge(AuthorizedKeyOptions options, SshCertificateRestrictions certificate, AuthorizedKeysContext context)
    {
        if (options.Command is not null && certificate.ForceCommand is not null && options.Command != certificate.ForceCommand)
        {
            return null;
        }

        return FromOptions(options, context) with
        {
            PortForwarding = options.PortForwarding && certificate.PermitPortForwarding,
            AgentForwarding = options.AgentForwarding && certificate.PermitAgentForwarding,
            X11Forwarding = options.X11Forwarding && certificate.PermitX11Forwarding,
            Pty = options.Pty && certificate.PermitPty,
            UserRc = options.UserRc && certificate.PermitUserRc,
            NoTouchRequired = options.NoTouchRequired && certificate.NoTouchRequired,
            VerifyRequired = options.VerifyRequired || certificate.VerifyRequired,
            Command = options.Command ?? certificate.ForceCommand,
            SourceAddress = certificate.SourceAddress,
        };
    }

    /// <summary>session.c: user environment only with PermitUserEnvironment, and only names its pattern list allows.</summary>
    private static IReadOnlyList<string> PermittedEnvironment(IReadOnlyList<string> environment, AuthorizedKeysContext context)
    {
        if (!context.PermitUserEnvironment || environment.Count == 0)
        {
            return [];
        }

        if (context.PermitUserEnvironmentPattern is not { } pattern)
        {
            return environment;
        }

        return environment
            .Where(entry => OpenSshPattern.MatchList(entry[..entry.IndexOf('=', StringComparison.Ordinal)], pattern) == 1)
            .ToList()
            .AsReadOnly();
    }

    private static AuthorizedKeysMatch Accept(AuthorizedKeyEntry entry, AuthorizedKeyRestrictions restrictions, List<AuthorizedKeysRejection> rejections) =>
        new(entry, restrictions, rejections.AsReadOnly(), null);

    private static AuthorizedKeysMatch Refuse(List<AuthorizedKeysRejection> rejections, string noEntry)
    {
        var reason = rejections.Count == 0 ? noEntry : string.Join("; ", rejections.Select(r => r.ToString()));
        return new AuthorizedKeysMatch(null, null, rejections.AsReadOnly(), reason);
    }
}
