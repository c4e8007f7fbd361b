using System.Diagnostics;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Auth;

/// <summary>The methods: publickey (RFC 4252 section 7, OpenSSH PROTOCOL 3.1), password (section 8), keyboard-interactive (RFC 4256).</summary>
public sealed partial class SshServerAuthentication
{
    /// <summary>Bound on rounds of one keyboard-interactive conversation.</summary>
    private const int MaxRounds = 32;

    private IKeyboardInteractiveConversation? _conversation;
    private OpenSsh.AuthorizedKeyRestrictions? _restrictions;
    private int _promptCount;
    private int _rounds;

    private async ValueTask HandlePublicKeyAsync(UserAuthRequestMessage request, ServerAuthContext context, long started, CancellationToken cancellationToken)
    {
        var refusal = CheckPublicKeyRequest(request, out var plainKey);
        var decision = PublicKeyDecision.Refuse;
        if (refusal is null)
        {
            // Asked for unknown users as for known ones: the authenticator answers both alike.
            decision = await _authenticator.CheckPublicKeyAsync(context, new PublicKeyRequest(request.Algorithm, request.KeyBlob, plainKey, request.HasSignature), cancellationToken).ConfigureAwait(false);
            if (decision.Outcome == AuthOutcome.Failure)
            {
                refusal = "not accepted for this user";
            }
        }

        var description = $"{request.Algorithm} {Fingerprint(plainKey, request.KeyBlob)}";
        if (refusal is not null)
        {
            Log(SshLogLevel.Debug, $"Refusing {request.Method} {description} for \"{Printable(request.User)}\": {refusal}");
            await RefuseAsync(request.User, started, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!request.HasSignature)
        {
            // SSH_MSG_USERAUTH_PK_OK: string algorithm, string blob, as in the query.
            using var pkOk = new SshWriter(request.KeyBlob.Length + 64);
            pkOk.WriteByte(UserAuthMessageNumbers.MethodSpecific60);
            pkOk.WriteString(request.Algorithm);
            pkOk.WriteBinary(request.KeyBlob.Span);
            await _transport.SendMessageAsync(pkOk.WrittenMemory, cancellationToken).ConfigureAwait(false);
            return;
        }

        var signingKey = plainKey ?? decision.SigningKey;
        var signatureAlgorithm = PublicKeyAlgorithms.SignatureAlgorithmOf(request.Algorithm);
        if (signingKey is null || !signingKey.SignatureAlgorithms.Contains(signatureAlgorithm) || WasUsed(signingKey.Blob.Span))
        {
            Log(SshLogLevel.Info, $"Refusing {description} for \"{Printable(request.User)}\": no usable key for {signatureAlgorithm} signatures (none given, or already used)");
            await RefuseAsync(request.User, started, cancellationToken).ConfigureAwait(false);
            return;
        }

        // The signature must be made with exactly the request's algorithm (Verify checks the
        // blob's name) over session id || the request with has-signature TRUE.
        var hostKey = request.Method == SshAuthMethods.PublicKeyHostBound ? request.HostKey.Span : default;
        var data = PublicKeyAuthData.BuildSignedData(_transport.SessionId.Span, request.User, request.Service, request.Method, request.Algorithm, request.KeyBlob.Span, hostKey);
        if (!signingKey.Verify(signatureAlgorithm, data, request.Signature.Span))
        {
            Log(SshLogLevel.Info, $"Refusing {description} for \"{Printable(request.User)}\": the {signatureAlgorithm} signature does not verify");
            await RefuseAsync(request.User, started, cancellationToken).ConfigureAwait(false);
            return;
        }

        // sshd's auth_activate_options: a key's restrictions join those of keys accepted before it.
        var restrictions = RestrictionMerge.Combine(_restrictions, decision.Restrictions, out var conflict);
        if (conflict is not null)
        {
            Log(SshLogLevel.Info, $"Refusing {description} for \"{Printable(request.User)}\": {conflict}");
            await RefuseAsync(request.User, started, cancellationToken).ConfigureAwait(false);
            return;
        }

        _restrictions = restrictions;
        _usedKeyBlobs.Add(request.KeyBlob.ToArray());
        await AcceptAsync(SshAuthMethods.PublicKey, decision.Outcome, signingKey, cancellationToken, request.Method == SshAuthMethods.PublicKeyHostBound ? request.Algorithm + " host-bound" : request.Algorithm).ConfigureAwait(false);
    }

    /// <summary>Checks the request's own consistency; returns why it is refused, or null.</summary>
    private string? CheckPublicKeyRequest(UserAuthRequestMessage request, out SshPublicKey? plainKey)
    {
        plainKey = null;
        if (request.Method == SshAuthMethods.PublicKeyHostBound
            && (_transport.HostKey is null || !request.HostKey.Span.SequenceEqual(_transport.HostKeyBlob.Span)))
        {
            // PROTOCOL 3.1: the binding is to this server's host key, the one of the key exchange.
            return "the host key it is bound to is not this server's";
        }

        if (!_options.PublicKeyAlgorithms.Contains(request.Algorithm))
        {
            return "the algorithm is not accepted";
        }

        if (!PublicKeyAlgorithms.IsCertificate(request.Algorithm))
        {
            try
            {
                plainKey = SshPublicKey.FromBlob(request.KeyBlob.Span);
            }
            catch (SshException e)
            {
                return "the key blob is not a usable key: " + e.Message;
            }

            // RFC 8332 section 3.2: an ssh-rsa blob goes with rsa-sha2-*; other types with their own name.
            if (!plainKey.SignatureAlgorithms.Contains(request.Algorithm))
            {
                return $"the algorithm does not match the {plainKey.KeyType} key";
            }
        }

        return WasUsed(request.KeyBlob.Span) ? "the key was already used" : null;
    }

    /// <summary>As in sshd: a key that already counted towards a partial success cannot count twice.</summary>
    private bool WasUsed(ReadOnlySpan<byte> blob)
    {
        foreach (var used in _usedKeyBlobs)
        {
            if (used.AsSpan().SequenceEqual(blob))
            {
                return true;
            }
        }

        return false;
    }

    private async ValueTask HandlePasswordAsync(UserAuthRequestMessage request, ServerAuthContext context, long started, CancellationToken cancellationToken)
    {
        var outcome = AuthOutcome.Failure;
        if (request.ChangePassword)
        {
            Log(SshLogLevel.Info, $"Refusing a password change request for \"{Printable(request.User)}\": ssh-mux does not change passwords");
        }
        else
        {
            outcome = await _authenticator.CheckPasswordAsync(context, request.Password, cancellationToken).ConfigureAwait(false);
        }

        if (outcome == AuthOutcome.Failure)
        {
            Log(SshLogLevel.Debug, $"Password refused for \"{Printable(request.User)}\"");
            await RefuseAsync(request.User, started, cancellationToken).ConfigureAwait(false);
            return;
        }

        await AcceptAsync(SshAuthMethods.Password, outcome, null, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask BeginConversationAsync(UserAuthRequestMessage request, ServerAuthContext context, long started, CancellationToken cancellationToken)
    {
        var conversation = await _authenticator.BeginKeyboardInteractiveAsync(context, request.Submethods, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            await RefuseAsync(request.User, started, cancellationToken).ConfigureAwait(false);
            return;
        }

        _conversation = conversation;
        _rounds = 0;
        var step = await conversation.NextAsync([], cancellationToken).ConfigureAwait(false);
        await ContinueConversationAsync(step, started, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SSH_MSG_USERAUTH_INFO_RESPONSE: int num-responses, then each response as a string (RFC 4256 section 3.4).</summary>
    private async ValueTask HandleInfoResponseAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var conversation = _conversation
            ?? throw Fail(new SshException(DisconnectReason.ProtocolError, "SSH_MSG_USERAUTH_INFO_RESPONSE without a keyboard-interactive conversation"));
        var responses = ParseInfoResponse(payload);
        if (responses is null)
        {
            // RFC 4256 section 3.4: a count that does not match the prompts is answered with failure.
            Log(SshLogLevel.Info, $"Keyboard-interactive response for \"{Printable(_user!)}\" has the wrong number of answers");
            EndConversation();
            await RefuseAsync(_user!, started, cancellationToken).ConfigureAwait(false);
            return;
        }

        var step = await conversation.NextAsync(responses, cancellationToken).ConfigureAwait(false);
        await ContinueConversationAsync(step, started, cancellationToken).ConfigureAwait(false);
    }

    private ReadOnlyMemory<byte>[]? ParseInfoResponse(ReadOnlyMemory<byte> payload)
    {
        var reader = new SshReader(payload.Span);
        reader.ReadByte();
        var count = reader.ReadUInt32("num-responses");
        if (count != _promptCount)
        {
            return null;
        }

        var responses = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < responses.Length; i++)
        {
            var length = reader.ReadBinary("response").Length;
            responses[i] = payload.Slice(reader.Position - length, length);
        }

        reader.EnsureEnd("SSH_MSG_USERAUTH_INFO_RESPONSE");
        return responses;
    }

    private async ValueTask ContinueConversationAsync(KeyboardInteractiveStep step, long started, CancellationToken cancellationToken)
    {
        if (step.Outcome is { } outcome)
        {
            EndConversation();
            if (outcome == AuthOutcome.Failure)
            {
                Log(SshLogLevel.Debug, $"Keyboard-interactive authentication refused for \"{Printable(_user!)}\"");
                await RefuseAsync(_user!, started, cancellationToken).ConfigureAwait(false);
                return;
            }

            await AcceptAsync(SshAuthMethods.KeyboardInteractive, outcome, null, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (++_rounds > MaxRounds)
        {
            throw Fail(new SshException(DisconnectReason.ByApplication, $"The keyboard-interactive conversation for \"{Printable(_user!)}\" went on for more than {MaxRounds} rounds"));
        }

        // SSH_MSG_USERAUTH_INFO_REQUEST: string name, string instruction, string language tag,
        // int num-prompts, then per prompt string prompt, boolean echo.
        _promptCount = step.Prompts.Count;
        using var message = new SshWriter();
        message.WriteByte(UserAuthMessageNumbers.MethodSpecific60);
        message.WriteString(step.Name);
        message.WriteString(step.Instruction);
        message.WriteString(string.Empty);
        message.WriteUInt32((uint)step.Prompts.Count);
        foreach (var prompt in step.Prompts)
        {
            message.WriteString(prompt.Text);
            message.WriteBoolean(prompt.Echo);
        }

        await _transport.SendMessageAsync(message.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    private void EndConversation() => Interlocked.Exchange(ref _conversation, null)?.Dispose();

    private static string Fingerprint(SshPublicKey? key, ReadOnlyMemory<byte> blob) =>
        key?.GetSha256Fingerprint() ?? "SHA256:" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(blob.Span)).TrimEnd('=');
}
