using System.Security.Cryptography;
using SshMux.Ssh.Transport;

namespace SshMux.Prompts;

/// <summary>Settings of <see cref="PromptBroker"/>.</summary>
internal sealed class PromptBrokerOptions
{
    /// <summary>How long a prompt may wait for its answer before it is cancelled.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Which kind of front end is asked first. The relay comes first because it is opt-in per
    /// route and the person is at that very client; an attached terminal before SSH_ASKPASS,
    /// as OpenSSH prefers its terminal unless SSH_ASKPASS_REQUIRE says otherwise.
    /// </summary>
    public IReadOnlyList<PromptFrontEndKind> Order { get; set; } =
        [PromptFrontEndKind.KeyboardInteractiveRelay, PromptFrontEndKind.Terminal, PromptFrontEndKind.Askpass];

    public SshLog? Log { get; set; }
}

/// <summary>
/// Hands each prompt to the first available front end in the configured order (among front
/// ends of one kind, the one registered last: the terminal the person opened most recently).
/// Fails closed: no front end, a cancelled or vanished front end, a timeout or a wrong number
/// of answers all give null at once. Answers are never logged.
/// </summary>
internal sealed class PromptBroker : IPromptBroker
{
    private readonly PromptBrokerOptions _options;
    private readonly List<(IPromptFrontEnd FrontEnd, long Sequence)> _frontEnds = [];
    private long _sequence;

    public PromptBroker(PromptBrokerOptions? options = null)
    {
        _options = options ?? new PromptBrokerOptions();
        if (_options.Timeout <= TimeSpan.Zero && _options.Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.Timeout, "The prompt timeout must be positive");
        }
    }

    /// <summary>Adds a front end until the returned handle is disposed.</summary>
    /// <summary>How long a prompt waits for its answer.</summary>
    public TimeSpan Timeout => _options.Timeout;

    public IDisposable Register(IPromptFrontEnd frontEnd)
    {
        ArgumentNullException.ThrowIfNull(frontEnd);
        var entry = (frontEnd, Interlocked.Increment(ref _sequence));
        lock (_frontEnds)
        {
            _frontEnds.Add(entry);
        }

        Log(SshLogLevel.Debug, $"Prompt front end attached: {frontEnd.Description}");
        return new Registration(this, entry);
    }

    /// <summary>The front end a request would go to now, or null.</summary>
    public IPromptFrontEnd? Choose(PromptRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_frontEnds)
        {
            IPromptFrontEnd? best = null;
            var bestRank = int.MaxValue;
            var bestSequence = long.MinValue;
            foreach (var (frontEnd, sequence) in _frontEnds)
            {
                var rank = IndexOf(_options.Order, frontEnd.Kind);
                if (rank < 0 || !frontEnd.IsAvailable || (frontEnd.Route is { } route && route != request.Route) || !Answers(frontEnd.Kind, request.Kind))
                {
                    continue;
                }

                if (rank < bestRank || (rank == bestRank && sequence > bestSequence))
                {
                    (best, bestRank, bestSequence) = (frontEnd, rank, sequence);
                }
            }

            return best;
        }
    }

    public async Task<IReadOnlyList<byte[]>?> AskAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var what = $"{Describe(request.Kind)} for route \"{PromptText.Line(request.Route, 64)}\" ({PromptText.Line(request.Host, 128)})";
        var frontEnd = Choose(request);
        if (frontEnd is null)
        {
            Log(SshLogLevel.Warning, $"No prompt front end is available for the {what}; refusing (run `ssh-mux prompt`, or set SSH_ASKPASS)");
            return null;
        }

        Log(SshLogLevel.Info, $"Asking {frontEnd.Description} for the {what}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        var asking = Start(frontEnd, request, timeout.Token);
        IReadOnlyList<byte[]>? answers;
        try
        {
            // WaitAsync: a front end that ignores the token still cannot make the caller hang.
            answers = await asking.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            ZeroWhenDone(asking);
            Log(SshLogLevel.Warning, $"The {what} timed out after {_options.Timeout.TotalSeconds:0.###} s");
            return null;
        }
        catch (OperationCanceledException)
        {
            ZeroWhenDone(asking);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever broke in a front end (a missing askpass program, a closed socket), the prompt fails closed.
            Log(SshLogLevel.Warning, $"{frontEnd.Description} failed while asking the {what}: {e.Message}");
            return null;
        }

        if (answers is null)
        {
            Log(SshLogLevel.Info, $"The {what} was cancelled by {frontEnd.Description}");
            return null;
        }

        if (answers.Count != request.Fields.Count)
        {
            Zero(answers);
            Log(SshLogLevel.Warning, $"{frontEnd.Description} gave {answers.Count} answer(s) to {request.Fields.Count} field(s) of the {what}; refusing");
            return null;
        }

        return answers;
    }

    private static Task<IReadOnlyList<byte[]>?> Start(IPromptFrontEnd frontEnd, PromptRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return frontEnd.AskAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Task.FromException<IReadOnlyList<byte[]>?>(e);
        }
    }

    /// <summary>Zeroes answers that arrive after the caller stopped waiting for them.</summary>
    private static void ZeroWhenDone(Task<IReadOnlyList<byte[]>?> asking) =>
        asking.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully && t.Result is { } late)
            {
                Zero(late);
            }
            else
            {
                _ = t.Exception;
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    public static void Zero(IReadOnlyList<byte[]> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        foreach (var answer in answers)
        {
            CryptographicOperations.ZeroMemory(answer);
        }
    }

    /// <summary>
    /// The connecting client answers only the upstream's own keyboard-interactive questions: a
    /// host key confirmation, a local key's passphrase or an approval is the user's decision,
    /// not something whoever holds a key for the route may answer.
    /// </summary>
    internal static bool Answers(PromptFrontEndKind frontEnd, PromptKind request) =>
        frontEnd != PromptFrontEndKind.KeyboardInteractiveRelay || request == PromptKind.KeyboardInteractive;

    private static string Describe(PromptKind kind) => kind switch
    {
        PromptKind.KeyboardInteractive => "keyboard-interactive prompt",
        PromptKind.Passphrase => "passphrase prompt",
        PromptKind.HostKey => "host key confirmation",
        _ => "approval prompt",
    };

    private static int IndexOf(IReadOnlyList<PromptFrontEndKind> order, PromptFrontEndKind kind)
    {
        for (var i = 0; i < order.Count; i++)
        {
            if (order[i] == kind)
            {
                return i;
            }
        }

        return -1;
    }

    private void Unregister((IPromptFrontEnd FrontEnd, long Sequence) entry)
    {
        lock (_frontEnds)
        {
            _frontEnds.Remove(entry);
        }

        Log(SshLogLevel.Debug, $"Prompt front end detached: {entry.FrontEnd.Description}");
    }

    private void Log(SshLogLevel level, string message) => _options.Log?.Invoke(level, message);

    private sealed class Registration(PromptBroker broker, (IPromptFrontEnd, long) entry) : IDisposable
    {
        private PromptBroker? _broker = broker;

        public void Dispose() => Interlocked.Exchange(ref _broker, null)?.Unregister(entry);
    }
}
