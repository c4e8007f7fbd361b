using SshMux.Prompts;

namespace SshMux.Relay;

/// <summary>
/// Direct mode's stand-in for the prompt broker: asks for key passphrases on serve's own
/// terminal (as serve did before the broker), and nothing else; other prompts get no answer,
/// so they fail closed.
/// </summary>
internal sealed class TerminalPassphraseBroker : IPromptBroker
{
    public Task<IReadOnlyList<byte[]>?> AskAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Kind != PromptKind.Passphrase || request.Fields.Count != 1)
        {
            return Task.FromResult<IReadOnlyList<byte[]>?>(null);
        }

        return Task.Run<IReadOnlyList<byte[]>?>(() => Prompt.ReadPassphrase(request.Instruction) is { } answer ? [answer] : null, cancellationToken);
    }
}
