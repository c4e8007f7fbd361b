namespace SshMux.Prompts;

/// <summary>What a prompt asks for.</summary>
internal enum PromptKind
{
    /// <summary>Keyboard-interactive rounds: OTPs, passwords, anything the upstream asks.</summary>
    KeyboardInteractive,

    /// <summary>A private key's passphrase.</summary>
    Passphrase,

    /// <summary>Whether to trust an unknown host key (answer "yes" to accept).</summary>
    HostKey,

    /// <summary>Whether to let a held command run (answer "yes" to allow).</summary>
    Approval,
}

/// <summary>One field to fill in; secret fields (Echo false) are masked and never logged.</summary>
internal sealed record PromptField(string Text, bool Echo);

/// <summary>
/// A question for the person. Route and Host are shown prominently; Title, Instruction and the
/// field texts may come from a remote server and are sanitised by every front end before display.
/// </summary>
internal sealed record PromptRequest(
    PromptKind Kind,
    string Route,
    string Host,
    string Title,
    string Instruction,
    IReadOnlyList<PromptField> Fields);

/// <summary>
/// The one place that asks the person anything. Front ends (the `ssh-mux prompt` terminal
/// client, SSH_ASKPASS, the connecting client's keyboard-interactive) answer requests.
/// </summary>
internal interface IPromptBroker
{
    /// <summary>
    /// Asks and waits for the answers, one per field (the caller zeroes them after use). Null
    /// when the prompt was cancelled, timed out, or no front end is available: callers fail closed.
    /// </summary>
    Task<IReadOnlyList<byte[]>?> AskAsync(PromptRequest request, CancellationToken cancellationToken);
}
