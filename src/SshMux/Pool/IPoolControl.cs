namespace SshMux.Pool;

/// <summary>One pooled upstream connection as `ssh-mux status` shows it.</summary>
/// <param name="State">"active", "idle", "draining" (past its max lifetime), "dead".</param>
internal sealed record PoolEntryStatus(
    string Route,
    string Upstream,
    TimeSpan Age,
    TimeSpan Idle,
    int Channels,
    long BytesIn,
    long BytesOut,
    string State);

/// <summary>What the control socket may see and change of the pool.</summary>
internal interface IPoolControl
{
    bool IsLocked { get; }

    IReadOnlyList<PoolEntryStatus> Snapshot();

    /// <summary>Refuses new sessions; existing ones keep working.</summary>
    void Lock();

    void Unlock();
}
