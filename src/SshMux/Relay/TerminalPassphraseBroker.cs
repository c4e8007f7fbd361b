using SshMux.Prompts;

namespace SshMux.Relay;

/// <summary>
/// serve's stand-in for the daemon's prompt broker: asks for key passphrases on serve's own
/// terminal, with echo off (the same reader `ssh-mux prompt` uses), and nothing else; other
/// prompts, and any prompt without a terminal, get no answer, so they fail closed.
/// </summary>
internal sealed class TerminalPassphraseBroker : IPromptBroker
{
    private readonly SemaphoreSlim _terminal = new(1, 1);

    public async Task<IReadOnlyList<byte[]>?> AskAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Kind != PromptKind.Passphrase || request.Fields.Count != 1 || Console.IsInputRedirected)
        {
            return null;
        }

        // One question at a time on the one terminal.
        await _terminal.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Console.Error.WriteAsync($"Enter passphrase for {PromptText.Line(request.Instruction, 200)}: ").ConfigureAwait(false);
            return await new TerminalAnswerInput().ReadAsync(echo: false, cancellationToken).ConfigureAwait(false) is { } answer ? [answer] : null;
        }
        finally
        {
            _terminal.Release();
        }
    }
}
