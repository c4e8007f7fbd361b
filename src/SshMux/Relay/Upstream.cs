using SshMux.Ssh.Connection;

namespace SshMux.Relay;

/// <summary>
/// The one upstream connection of a direct-mode relay: opened on first use, shared by every
/// local session, and opened again on next use once it has died.
/// </summary>
internal sealed class Upstream(UpstreamConnector connector) : IAsyncDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private UpstreamConnection? _current;

    /// <summary>How many upstream connections have been opened (the first use, then reconnects).</summary>
    public int ConnectCount { get; private set; }

    public async Task<SshConnectionService> GetAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { IsAlive: true })
            {
                return _current.Connection;
            }

            if (_current is not null)
            {
                await _current.DisposeAsync().ConfigureAwait(false);
                _current = null;
            }

            _current = await connector.ConnectAsync(cancellationToken).ConfigureAwait(false);
            ConnectCount++;
            return _current.Connection;
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_current is not null)
        {
            await _current.DisposeAsync().ConfigureAwait(false);
        }

        _lock.Dispose();
    }
}
