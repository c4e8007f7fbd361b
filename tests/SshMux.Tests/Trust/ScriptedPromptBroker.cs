using System.Collections.Concurrent;
using System.Text;
using SshMux.Prompts;

namespace SshMux.Tests.Trust;

/// <summary>A prompt broker for tests: records every request and answers with a script (null = cancelled / no front end).</summary>
internal sealed class ScriptedPromptBroker(Func<PromptRequest, Task<string?>> answer) : IPromptBroker
{
    public ConcurrentQueue<PromptRequest> Requests { get; } = new();

    public static ScriptedPromptBroker Answering(string? text) => new(_ => Task.FromResult(text));

    public async Task<IReadOnlyList<byte[]>?> AskAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request);
        var text = await answer(request).ConfigureAwait(false);
        return text is null ? null : [Encoding.UTF8.GetBytes(text)];
    }
}
