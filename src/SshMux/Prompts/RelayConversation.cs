using System.Threading.Channels;
using SshMux.Routing;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Transport;

namespace SshMux.Prompts;

/// <summary>
/// One relayed keyboard-interactive conversation (see <see cref="KeyboardInteractiveRelay"/>):
/// while it lasts it is the prompt front end of its route. Each prompt the upstream raises
/// becomes an SSH_MSG_USERAUTH_INFO_REQUEST to the client; the client's answers go back to the
/// upstream. Ending it (the client gave up, disconnected, or sent another request) cancels
/// the prompt it was serving.
/// </summary>
internal sealed class RelayConversation : IKeyboardInteractiveConversation, IPromptFrontEnd
{
    private readonly Route _route;
    private readonly PromptBroker _broker;
    private readonly Func<Route, CancellationToken, Task> _connectUpstream;
    private readonly SshLog? _log;
    private readonly Channel<PendingPrompt> _prompts = Channel.CreateUnbounded<PendingPrompt>();
    private readonly CancellationTokenSource _ended = new();
    private IDisposable? _registration;
    private Task? _connecting;
    private PendingPrompt? _current;
    private int _disposed;

    public RelayConversation(Route route, PromptBroker broker, Func<Route, CancellationToken, Task> connectUpstream, SshLog? log)
    {
        _route = route;
        _broker = broker;
        _connectUpstream = connectUpstream;
        _log = log;
    }

    public PromptFrontEndKind Kind => PromptFrontEndKind.KeyboardInteractiveRelay;

    public string Description => $"the connecting client of route \"{PromptText.Line(_route.Name, 64)}\" (keyboard-interactive relay)";

    public string? Route => _route.Name;

    public bool IsAvailable => Volatile.Read(ref _disposed) == 0;

    public async ValueTask<KeyboardInteractiveStep> NextAsync(IReadOnlyList<ReadOnlyMemory<byte>> responses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(responses);
        if (Interlocked.Exchange(ref _current, null) is { } answered)
        {
            var answers = responses.Select(r => r.ToArray()).ToArray();
            if (!answered.Answer.TrySetResult(answers))
            {
                PromptBroker.Zero(answers);
            }
        }

        if (_connecting is null)
        {
            _registration = _broker.Register(this);
            _connecting = StartConnect();
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (_prompts.Reader.TryRead(out var pending))
            {
                // A prompt the broker already gave up on (timeout) is not shown.
                if (!pending.Answer.Task.IsCompleted)
                {
                    _current = pending;
                    return Round(pending.Request);
                }
            }

            if (_connecting.IsCompleted)
            {
                var connected = _connecting.IsCompletedSuccessfully;
                _log?.Invoke(connected ? SshLogLevel.Info : SshLogLevel.Warning, connected
                    ? $"Route \"{PromptText.Line(_route.Name, 64)}\": upstream connected, the client's keyboard-interactive round succeeds"
                    : $"Route \"{PromptText.Line(_route.Name, 64)}\": upstream connection failed ({_connecting.Exception?.GetBaseException().Message}), refusing the client's keyboard-interactive round");
                return KeyboardInteractiveStep.Finish(connected ? AuthOutcome.Success : AuthOutcome.Failure);
            }

            var readable = _prompts.Reader.WaitToReadAsync(cancellationToken).AsTask();
            await Task.WhenAny(readable, _connecting).ConfigureAwait(false);
        }
    }

    private Task StartConnect()
    {
        try
        {
            return _connectUpstream(_route, _ended.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Task.FromException(e);
        }
    }

    /// <summary>A round for the client: it names ssh-mux, the route and the host, and carries only sanitised remote text.</summary>
    private static KeyboardInteractiveStep Round(PromptRequest request)
    {
        var name = "ssh-mux: " + PromptText.Line(request.Title is { Length: > 0 } t ? t : "upstream prompt", 128);
        var heading = $"Route {PromptText.Line(request.Route, 64)} -> {PromptText.Line(request.Host, 128)}";
        var instruction = PromptText.Block(request.Instruction) is { Length: > 0 } text ? heading + "\n" + text : heading;
        return KeyboardInteractiveStep.Ask(name, instruction, [.. request.Fields.Select(f => new KeyboardInteractivePrompt(PromptText.Line(f.Text), f.Echo))]);
    }

    public Task<IReadOnlyList<byte[]>?> AskAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pending = new PendingPrompt(request);
        if (!IsAvailable || !PromptBroker.Answers(Kind, request.Kind))
        {
            return Task.FromResult<IReadOnlyList<byte[]>?>(null);
        }

        var registration = cancellationToken.Register(() => pending.Answer.TrySetResult(null));
        _ = pending.Answer.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (!_prompts.Writer.TryWrite(pending))
        {
            pending.Answer.TrySetResult(null);
        }

        // Dispose may have run between the check and the write: it drains what it can, this catches the rest.
        if (!IsAvailable)
        {
            pending.Answer.TrySetResult(null);
        }

        return pending.Answer.Task;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _registration?.Dispose();
        _prompts.Writer.TryComplete();
        Interlocked.Exchange(ref _current, null)?.Answer.TrySetResult(null);
        while (_prompts.Reader.TryRead(out var pending))
        {
            pending.Answer.TrySetResult(null);
        }

        // Not disposed: the upstream connection may still hold its token, which must stay usable.
        _ended.Cancel();
    }

    private sealed class PendingPrompt(PromptRequest request)
    {
        public PromptRequest Request { get; } = request;

        public TaskCompletionSource<IReadOnlyList<byte[]>?> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
