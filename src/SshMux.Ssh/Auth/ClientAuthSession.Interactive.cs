using System.Security.Cryptography;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Auth;

/// <summary>The "password" (RFC 4252 section 8) and "keyboard-interactive" (RFC 4256) methods.</summary>
internal sealed partial class ClientAuthSession
{
    /// <summary>Bound on rounds in one keyboard-interactive conversation.</summary>
    private const int MaxRounds = 64;

    private async Task<Step> PasswordAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= _options.MaxPasswordAttempts; attempt++)
        {
            var password = await _options.PasswordCallback!(new PasswordRequest(_user, attempt), cancellationToken).ConfigureAwait(false);
            if (password is null)
            {
                return Step.Exhausted;
            }

            // boolean FALSE (no change), string password; the buffer holding it is wiped.
            using (var request = NewRequest(SshAuthMethods.Password))
            {
                request.Sensitive = true;
                try
                {
                    request.WriteBoolean(false);
                    request.WriteBinary(password);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(password);
                }

                await SendAsync(request, SshAuthMethods.Password, cancellationToken).ConfigureAwait(false);
            }

            var reply = await ReceiveAsync(cancellationToken).ConfigureAwait(false);
            if (reply[0] == UserAuthMessageNumbers.Success)
            {
                return Step.Success;
            }

            if (reply[0] == UserAuthMessageNumbers.MethodSpecific60)
            {
                // SSH_MSG_USERAUTH_PASSWD_CHANGEREQ (RFC 4252 section 8): the password is right
                // but expired. Changing it needs a person; ssh-mux says so and moves on.
                var reader = new SshReader(reply.AsSpan(1));
                var prompt = BannerText.Sanitize(reader.ReadString("password change prompt"));
                _note = $"The server requires a new password for \"{_user}\" (\"{prompt}\"); ssh-mux does not change passwords.";
                Log(SshLogLevel.Warning, _note);
                return Step.Exhausted;
            }

            if (ExpectFailure(reply, SshAuthMethods.Password))
            {
                return Step.PartialSuccess;
            }

            Log(SshLogLevel.Info, $"Password {attempt} of {_options.MaxPasswordAttempts} refused");
            if (!_allowed.Contains(SshAuthMethods.Password))
            {
                break;
            }
        }

        return Step.Exhausted;
    }

    private async Task<Step> KeyboardInteractiveAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= _options.MaxKeyboardInteractiveAttempts; attempt++)
        {
            // string language tag (deprecated, empty), string submethods (empty: server's choice).
            using (var request = NewRequest(SshAuthMethods.KeyboardInteractive))
            {
                request.WriteString(string.Empty);
                request.WriteString(string.Empty);
                await SendAsync(request, SshAuthMethods.KeyboardInteractive, cancellationToken).ConfigureAwait(false);
            }

            for (var round = 1; ; round++)
            {
                var reply = await ReceiveAsync(cancellationToken).ConfigureAwait(false);
                if (reply[0] == UserAuthMessageNumbers.Success)
                {
                    return Step.Success;
                }

                if (reply[0] != UserAuthMessageNumbers.MethodSpecific60)
                {
                    if (ExpectFailure(reply, SshAuthMethods.KeyboardInteractive))
                    {
                        return Step.PartialSuccess;
                    }

                    Log(SshLogLevel.Info, $"Keyboard-interactive attempt {attempt} of {_options.MaxKeyboardInteractiveAttempts} refused");
                    break;
                }

                if (round > MaxRounds)
                {
                    var error = new SshException(DisconnectReason.ProtocolError, $"Keyboard-interactive authentication went on for more than {MaxRounds} rounds");
                    _ = _transport.DisconnectAsync(error.Reason, error.Message);
                    throw error;
                }

                if (!await AnswerRoundAsync(ParseInfoRequest(reply, round), cancellationToken).ConfigureAwait(false))
                {
                    // The server's conversation is left open; the next request makes it abandon it (RFC 4252 section 5).
                    Log(SshLogLevel.Info, "Keyboard-interactive authentication abandoned: the callback gave no answers");
                    return Step.Exhausted;
                }
            }

            if (!_allowed.Contains(SshAuthMethods.KeyboardInteractive))
            {
                break;
            }
        }

        return Step.Exhausted;
    }

    /// <summary>
    /// SSH_MSG_USERAUTH_INFO_REQUEST (RFC 4256 section 3.2): string name, string instruction,
    /// string language tag, int num-prompts, then per prompt string prompt, boolean echo.
    /// </summary>
    private KeyboardInteractiveRound ParseInfoRequest(byte[] message, int round)
    {
        var reader = new SshReader(message.AsSpan(1));
        var name = reader.ReadString("name");
        var instruction = reader.ReadString("instruction");
        reader.ReadBinary("language tag");
        var count = reader.ReadUInt32("num-prompts");

        // Each prompt takes at least 5 bytes, so a count beyond that is a lie, not a large request.
        if (count > (uint)reader.Remaining / 5)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"SSH_MSG_USERAUTH_INFO_REQUEST claims {count} prompts in {reader.Remaining} bytes");
        }

        var prompts = new KeyboardInteractivePrompt[count];
        for (var i = 0; i < prompts.Length; i++)
        {
            var text = reader.ReadString("prompt");
            prompts[i] = new KeyboardInteractivePrompt(text, reader.ReadBoolean("echo"));
        }

        reader.EnsureEnd("SSH_MSG_USERAUTH_INFO_REQUEST");
        return new KeyboardInteractiveRound(_user, name, instruction, prompts, round);
    }

    /// <summary>
    /// Sends SSH_MSG_USERAUTH_INFO_RESPONSE (int num-responses, string response...). Returns
    /// false when the callback gave up. Every answer array is wiped, whatever happens.
    /// </summary>
    private async Task<bool> AnswerRoundAsync(KeyboardInteractiveRound round, CancellationToken cancellationToken)
    {
        Log(SshLogLevel.Debug, $"Keyboard-interactive round {round.Round}: {round.Prompts.Count} prompt(s)");
        var answers = await _options.KeyboardInteractiveCallback!(round, cancellationToken).ConfigureAwait(false);
        try
        {
            if (round.Prompts.Count > 0 && answers is null)
            {
                return false;
            }

            // A round without prompts still needs its (empty) response (RFC 4256 section 3.4).
            var count = round.Prompts.Count;
            if (count > 0 && answers!.Count != count)
            {
                throw new InvalidOperationException($"The keyboard-interactive callback gave {answers.Count} answers to {count} prompts");
            }

            using var response = new SshWriter { Sensitive = true };
            response.WriteByte(UserAuthMessageNumbers.InfoResponse);
            response.WriteUInt32((uint)count);
            for (var i = 0; i < count; i++)
            {
                response.WriteBinary(answers![i] ?? throw new InvalidOperationException($"The keyboard-interactive callback gave no answer to prompt {i + 1}"));
            }

            await _transport.SendMessageAsync(response.WrittenMemory, cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            if (answers is not null)
            {
                foreach (var answer in answers)
                {
                    if (answer is not null)
                    {
                        CryptographicOperations.ZeroMemory(answer);
                    }
                }
            }
        }
    }
}
