using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Auth;

/// <summary>Settings of <see cref="AuthorizedKeysAuthenticator"/>, shared by every connection (the sshd_config side).</summary>
public sealed record AuthorizedKeysAuthenticatorOptions
{
    /// <summary>
    /// The authorized_keys file (sshd_config AuthorizedKeysFile), read again for every
    /// attempt so that edits apply without a restart. Null, or a file that does not exist,
    /// authorises no key (certificates from <see cref="TrustedUserCaKeys"/> still can).
    /// </summary>
    public string? AuthorizedKeysPath { get; init; }

    /// <summary>
    /// CA keys whose user certificates are accepted for any user the certificate lists as a
    /// principal (sshd_config TrustedUserCAKeys without AuthorizedPrincipalsFile).
    /// </summary>
    public IReadOnlyList<SshPublicKey> TrustedUserCaKeys { get; init; } = [];

    /// <summary>sshd_config PermitUserEnvironment: whether environment="..." options take effect (off, as in sshd).</summary>
    public bool PermitUserEnvironment { get; init; }

    /// <summary>The pattern-list form of PermitUserEnvironment: only names it matches are kept (null: all).</summary>
    public string? PermitUserEnvironmentPattern { get; init; }

    /// <summary>Accept CA signatures made with ssh-rsa (RSA/SHA-1), which sshd's CASignatureAlgorithms leaves out by default.</summary>
    public bool AllowSha1CaSignature { get; init; }

    /// <summary>The clock for expiry-time and certificate validity.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where refusals and their reasons are logged (the client is only told "failure").</summary>
    public SshLog? Log { get; init; }
}
