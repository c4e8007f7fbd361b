using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Auth;

/// <summary>What the server does when a client changes the user name between requests (RFC 4252 section 5).</summary>
public enum UserChangePolicy
{
    /// <summary>Disconnect, as OpenSSH does ("Change of username or service not allowed").</summary>
    Refuse,

    /// <summary>Forget what the previous user achieved (partial successes) and go on; failures keep counting.</summary>
    Reset,
}

/// <summary>Settings of <see cref="SshServerAuthentication"/>.</summary>
public sealed class ServerAuthOptions
{
    /// <summary>Failed attempts before the connection is closed (sshd_config MaxAuthTries).</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Time from the start of authentication until the client must have succeeded (sshd_config LoginGraceTime); infinite disables.</summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Text sent as SSH_MSG_USERAUTH_BANNER before the first answer (RFC 4252 section 5.4), or null.</summary>
    public string? Banner { get; set; }

    /// <summary>
    /// The least time a refusal takes (OpenSSH's 5 ms), plus up to as much again that depends
    /// on the user name only, so the time of an answer does not tell a known user from an
    /// unknown one. Zero disables.
    /// </summary>
    public TimeSpan FailureDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    public UserChangePolicy UserChange { get; set; } = UserChangePolicy.Refuse;

    /// <summary>Public key algorithms accepted in publickey requests (sshd_config PubkeyAcceptedAlgorithms).</summary>
    public IReadOnlyList<string> PublicKeyAlgorithms { get; set; } = Auth.PublicKeyAlgorithms.Default;

    public SshLog? Log { get; set; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(FailureDelay, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(PublicKeyAlgorithms);
        if (GracePeriod != Timeout.InfiniteTimeSpan && GracePeriod <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(GracePeriod), GracePeriod, "The grace period must be positive or infinite");
        }
    }
}

/// <summary>A successful server-side authentication.</summary>
/// <param name="User">The authenticated user.</param>
/// <param name="Methods">The methods that succeeded, in order.</param>
/// <param name="PublicKeys">The keys whose signatures were accepted (certificate keys for certificates), in order.</param>
/// <param name="Restrictions">
/// What the session may do, from the accepted keys' <see cref="PublicKeyDecision.Restrictions"/>
/// (combined, the stricter wins, when more than one key counted); null when no key was restricted.
/// </param>
public sealed record ServerAuthResult(string User, IReadOnlyList<string> Methods, IReadOnlyList<SshPublicKey> PublicKeys, AuthorizedKeyRestrictions? Restrictions = null);
