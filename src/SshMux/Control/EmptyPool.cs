using SshMux.Pool;

namespace SshMux.Control;

/// <summary>
/// The pool of a daemon that runs no gateway: it holds no connections, and lock and unlock
/// only change the state status reports.
/// </summary>
internal sealed class EmptyPool : IPoolControl
{
    private volatile bool _locked;

    public bool IsLocked => _locked;

    public IReadOnlyList<PoolEntryStatus> Snapshot() => [];

    public void Lock() => _locked = true;

    public void Unlock() => _locked = false;
}
