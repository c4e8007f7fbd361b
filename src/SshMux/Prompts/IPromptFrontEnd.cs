namespace SshMux.Prompts;

/// <summary>The kinds of front end, which <see cref="PromptBrokerOptions.Order"/> ranks.</summary>
internal enum PromptFrontEndKind
{
    /// <summary>The connecting client's own keyboard-interactive rounds (opt-in per route, scoped to that route).</summary>
    KeyboardInteractiveRelay,

    /// <summary>An attached `ssh-mux prompt` terminal client.</summary>
    Terminal,

    /// <summary>The program named by SSH_ASKPASS.</summary>
    Askpass,
}

/// <summary>Something that can put a <see cref="PromptRequest"/> in front of the person.</summary>
internal interface IPromptFrontEnd
{
    PromptFrontEndKind Kind { get; }

    /// <summary>For logs, e.g. "ssh-mux prompt (pid 1234)".</summary>
    string Description { get; }

    /// <summary>The only route this front end answers for, or null for every route.</summary>
    string? Route { get; }

    /// <summary>False once the front end cannot ask any more (its connection closed).</summary>
    bool IsAvailable { get; }

    /// <summary>
    /// Asks; one answer per field, or null when the person cancelled or the front end went
    /// away. Must end promptly when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    Task<IReadOnlyList<byte[]>?> AskAsync(PromptRequest request, CancellationToken cancellationToken);
}
