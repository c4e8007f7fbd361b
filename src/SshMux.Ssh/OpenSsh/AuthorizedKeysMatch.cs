using System.Net;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.OpenSsh;

/// <summary>Who is signing in, from where and when: the inputs of an authorized_keys match.</summary>
public sealed record AuthorizedKeysContext
{
    /// <summary>The account being signed in to (matched against certificate principals).</summary>
    public required string UserName { get; init; }

    /// <summary>The client's address, for from= and certificate source-address. Without it such entries are refused.</summary>
    public IPAddress? ClientAddress { get; init; }

    /// <summary>The client's verified host name for from= host patterns; null uses the address text (sshd with UseDNS no).</summary>
    public string? ClientHostName { get; init; }

    /// <summary>The time for expiry-time and certificate validity; null means the current time.</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>
    /// sshd_config PermitUserEnvironment (default no): whether environment="..." options take
    /// effect. When false they are parsed but left out of the effective restrictions.
    /// </summary>
    public bool PermitUserEnvironment { get; init; }

    /// <summary>The pattern-list form of PermitUserEnvironment: only variable names matching it are passed (null: all).</summary>
    public string? PermitUserEnvironmentPattern { get; init; }

    /// <summary>See <see cref="SshCertificatePolicy.AllowEmptyPrincipals"/>.</summary>
    public bool AllowEmptyCertificatePrincipals { get; init; }

    /// <summary>See <see cref="SshCertificatePolicy.AllowSha1Signature"/>.</summary>
    public bool AllowSha1CaSignature { get; init; }
}

/// <summary>
/// What an accepted key may do: the entry's options, merged with a certificate's options as
/// sshauthopt_merge does (permissions must be granted by both, restrictions by either).
/// </summary>
public sealed record AuthorizedKeyRestrictions
{
    public bool PortForwarding { get; init; }

    public bool AgentForwarding { get; init; }

    public bool X11Forwarding { get; init; }

    public bool Pty { get; init; }

    public bool UserRc { get; init; }

    public bool NoTouchRequired { get; init; }

    public bool VerifyRequired { get; init; }

    /// <summary>The forced command (from command="..." or a certificate's force-command).</summary>
    public string? Command { get; init; }

    /// <summary>NAME=value pairs to set; empty unless the context permits user environment.</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];

    public IReadOnlyList<string> PermitOpen { get; init; } = [];

    public IReadOnlyList<string> PermitListen { get; init; } = [];

    public int? TunnelDevice { get; init; }

    public DateTimeOffset? ExpiryTime { get; init; }

    /// <summary>The from= list the client was checked against.</summary>
    public string? From { get; init; }

    /// <summary>The certificate source-address list the client was checked against.</summary>
    public string? SourceAddress { get; init; }
}

/// <summary>An entry that matched the presented key but refused it.</summary>
public sealed record AuthorizedKeysRejection(AuthorizedKeyEntry Entry, string Reason)
{
    public override string ToString() => $"{Entry.Location}: {Reason}";
}

/// <summary>The outcome of matching a key or certificate against authorized_keys.</summary>
public sealed class AuthorizedKeysMatch
{
    internal AuthorizedKeysMatch(AuthorizedKeyEntry? entry, AuthorizedKeyRestrictions? restrictions,
        IReadOnlyList<AuthorizedKeysRejection> rejections, string? reason)
    {
        Entry = entry;
        Restrictions = restrictions;
        Rejections = rejections;
        Reason = reason;
    }

    public bool IsAuthorized => Entry is not null;

    /// <summary>The entry that authorised the key.</summary>
    public AuthorizedKeyEntry? Entry { get; }

    /// <summary>The effective restrictions of the session.</summary>
    public AuthorizedKeyRestrictions? Restrictions { get; }

    /// <summary>Entries for this key (or its CA) that refused it, in file order.</summary>
    public IReadOnlyList<AuthorizedKeysRejection> Rejections { get; }

    /// <summary>Why no entry authorised the key; null on success.</summary>
    public string? Reason { get; }

    public override string ToString() => IsAuthorized ? $"authorized by {Entry!.Location}" : Reason!;
}
