using System.Net;
using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Auth;

/// <summary>
/// An <see cref="IServerAuthenticator"/> with sshd's publickey rules (auth2-pubkey.c
/// user_key_allowed): a plain key must be listed in the authorized_keys file; a user
/// certificate must be signed by a TrustedUserCAKeys CA and list the user as a principal, or
/// be signed by a CA on a cert-authority line of the file. Entry options (from=, expiry-time,
/// principals=) and certificate checks (validity, principals, source-address, critical options)
/// decide as in sshd, and the accepted key's restrictions go with the decision. Publickey is
/// the only method, for every user: nothing here depends on whether a user exists.
/// </summary>
public sealed class AuthorizedKeysAuthenticator : IServerAuthenticator
{
    private static readonly IReadOnlyList<string> Methods = Array.AsReadOnly([SshAuthMethods.PublicKey]);

    private readonly Shared _shared;
    private readonly IPAddress? _clientAddress;

    /// <param name="options">The server's settings.</param>
    /// <param name="clientAddress">
    /// The address of the connection's client, for from= and certificate source-address (the
    /// transport does not know it: it runs over any stream). Without it, entries and
    /// certificates restricted to addresses refuse the client, as sshd would fail closed.
    /// </param>
    public AuthorizedKeysAuthenticator(AuthorizedKeysAuthenticatorOptions options, IPAddress? clientAddress = null)
        : this(new Shared(options ?? throw new ArgumentNullException(nameof(options))), clientAddress)
    {
    }

    private AuthorizedKeysAuthenticator(Shared shared, IPAddress? clientAddress)
    {
        ArgumentNullException.ThrowIfNull(shared.Options.TrustedUserCaKeys);
        ArgumentNullException.ThrowIfNull(shared.Options.TimeProvider);
        _shared = shared;
        _clientAddress = AddressPattern.Normalize(clientAddress);
    }

    public AuthorizedKeysAuthenticatorOptions Options => _shared.Options;

    /// <summary>The client address entries are checked against (IPv4-mapped addresses as plain IPv4).</summary>
    public IPAddress? ClientAddress => _clientAddress;

    /// <summary>An authenticator for another connection: same settings, and file warnings are logged once for all of them.</summary>
    public AuthorizedKeysAuthenticator ForClient(IPAddress? clientAddress) => new(_shared, clientAddress);

    public ValueTask<IReadOnlyList<string>> GetMethodsAsync(ServerAuthContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Methods);

    public ValueTask<PublicKeyDecision> CheckPublicKeyAsync(ServerAuthContext context, PublicKeyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var match = new AuthorizedKeysContext
        {
            UserName = context.User,
            ClientAddress = _clientAddress,
            Now = Options.TimeProvider.GetUtcNow(),
            PermitUserEnvironment = Options.PermitUserEnvironment,
            PermitUserEnvironmentPattern = Options.PermitUserEnvironmentPattern,
            AllowSha1CaSignature = Options.AllowSha1CaSignature,
        };
        var decision = request.PublicKey is { } key ? CheckKey(key, match, request.HasSignature) : CheckCertificate(request, match);
        return ValueTask.FromResult(decision);
    }

    public ValueTask<AuthOutcome> CheckPasswordAsync(ServerAuthContext context, ReadOnlyMemory<byte> password, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AuthOutcome.Failure);

    public ValueTask<IKeyboardInteractiveConversation?> BeginKeyboardInteractiveAsync(ServerAuthContext context, string submethods, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IKeyboardInteractiveConversation?>(null);

    private PublicKeyDecision CheckKey(SshPublicKey key, AuthorizedKeysContext context, bool signed)
    {
        var file = LoadFile();
        var match = file is null ? null : AuthorizedKeysMatcher.Match([file], key, context);
        var what = $"{key.KeyType} key {key.GetSha256Fingerprint()}";
        if (match is not { IsAuthorized: true })
        {
            // A key with no entry at all is routine (clients offer every key they have): debug only.
            var level = match is { Rejections.Count: > 0 } ? SshLogLevel.Info : SshLogLevel.Debug;
            Log(level, $"{what} refused for \"{Printable(context.UserName)}\": {match?.Reason ?? "no authorized_keys file"}");
            return PublicKeyDecision.Refuse;
        }

        if (signed)
        {
            Log(SshLogLevel.Info, $"{what} for \"{Printable(context.UserName)}\" authorised by {match.Entry!.Location}");
        }

        return new PublicKeyDecision(AuthOutcome.Success, Restrictions: match.Restrictions);
    }

    private PublicKeyDecision CheckCertificate(PublicKeyRequest request, AuthorizedKeysContext context)
    {
        SshCertificate certificate;
        try
        {
            certificate = SshCertificate.FromBlob(request.Blob.Span);
        }
        catch (SshException e)
        {
            Log(SshLogLevel.Info, $"Certificate refused for \"{Printable(context.UserName)}\": {e.Message}");
            return PublicKeyDecision.Refuse;
        }

        var what = $"certificate ID \"{Printable(certificate.KeyId)}\" (serial {certificate.Serial}) for {certificate.PublicKey.KeyType} {certificate.PublicKey.GetSha256Fingerprint()}";

        // The request's algorithm names the certificate type the blob must be (PROTOCOL.certkeys).
        if (!SshCertificateAlgorithms.TryParseAlgorithmName(request.Algorithm, out var certificateType, out _) || certificateType != certificate.KeyType)
        {
            Log(SshLogLevel.Info, $"{what} refused for \"{Printable(context.UserName)}\": it is {certificate.KeyType}, the request says {Printable(request.Algorithm)}");
            return PublicKeyDecision.Refuse;
        }

        // user_key_allowed: TrustedUserCAKeys first; a refusal there still lets authorized_keys decide.
        var reasons = new List<string>();
        if (Options.TrustedUserCaKeys.Count > 0)
        {
            var validation = SshCertificateValidator.Validate(certificate, new SshCertificatePolicy
            {
                TrustedAuthorities = Options.TrustedUserCaKeys,
                ExpectedType = SshCertificateType.User,
                Principal = context.UserName,
                ClientAddress = _clientAddress,
                Now = context.Now,
                AllowSha1Signature = Options.AllowSha1CaSignature,
            });
            if (validation.IsValid)
            {
                if (request.HasSignature)
                {
                    Log(SshLogLevel.Info, $"{what} for \"{Printable(context.UserName)}\" accepted: signed by trusted user CA {validation.Authority!.KeyType} {validation.Authority.GetSha256Fingerprint()}");
                }

                return new PublicKeyDecision(AuthOutcome.Success, certificate.PublicKey, FromCertificate(validation.Restrictions!));
            }

            if (validation.Failure != SshCertificateFailure.UntrustedAuthority)
            {
                reasons.Add("TrustedUserCAKeys: " + validation.Reason);
            }
        }

        var file = LoadFile();
        var match = file is null ? null : AuthorizedKeysMatcher.Match([file], certificate, context);
        if (match is { IsAuthorized: true })
        {
            if (request.HasSignature)
            {
                Log(SshLogLevel.Info, $"{what} for \"{Printable(context.UserName)}\" accepted by cert-authority entry {match.Entry!.Location}");
            }

            return new PublicKeyDecision(AuthOutcome.Success, certificate.PublicKey, match.Restrictions);
        }

        reasons.Add(match?.Reason ?? "no authorized_keys file");
        Log(SshLogLevel.Info, $"{what} refused for \"{Printable(context.UserName)}\": {string.Join("; ", reasons)}");
        return PublicKeyDecision.Refuse;
    }

    /// <summary>A TrustedUserCAKeys certificate's own options are the session's restrictions (sshauthopt_from_cert).</summary>
    private static AuthorizedKeyRestrictions FromCertificate(SshCertificateRestrictions options) => new()
    {
        PortForwarding = options.PermitPortForwarding,
        AgentForwarding = options.PermitAgentForwarding,
        X11Forwarding = options.PermitX11Forwarding,
        Pty = options.PermitPty,
        UserRc = options.PermitUserRc,
        NoTouchRequired = options.NoTouchRequired,
        VerifyRequired = options.VerifyRequired,
        Command = options.ForceCommand,
        SourceAddress = options.SourceAddress,
    };

    /// <summary>
    /// Reads the authorized_keys file now, as every attempt does, and logs its skipped lines
    /// when they changed since last logged; null when no file is set or it cannot be read.
    /// </summary>
    public AuthorizedKeysFile? Reload() => LoadFile();

    /// <summary>Reads the file again, as sshd does for every attempt; an unreadable file authorises nothing.</summary>
    private AuthorizedKeysFile? LoadFile()
    {
        if (Options.AuthorizedKeysPath is not { } path)
        {
            return null;
        }

        AuthorizedKeysFile file;
        try
        {
            file = AuthorizedKeysFile.Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log(SshLogLevel.Warning, $"Cannot read {path}, so it authorises no key: {e.Message}");
            return null;
        }

        _shared.ReportWarnings(file);
        return file;
    }

    private void Log(SshLogLevel level, string message) => Options.Log?.Invoke(level, message);

    private static string Printable(string text) => VersionExchange.Printable(text, 64);

    /// <summary>What every connection's authenticator shares: the settings, and which file warnings were logged.</summary>
    private sealed class Shared(AuthorizedKeysAuthenticatorOptions options)
    {
        private readonly object _gate = new();
        private string _reported = string.Empty;

        public AuthorizedKeysAuthenticatorOptions Options { get; } = options;

        /// <summary>Logs the skipped lines of the file when they differ from those logged last, not on every attempt.</summary>
        public void ReportWarnings(AuthorizedKeysFile file)
        {
            var text = string.Join('\n', file.Warnings);
            lock (_gate)
            {
                if (text == _reported)
                {
                    return;
                }

                _reported = text;
            }

            foreach (var warning in file.Warnings)
            {
                Options.Log?.Invoke(SshLogLevel.Warning, warning.ToString());
            }
        }
    }
}
