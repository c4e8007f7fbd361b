namespace SshMux.Ssh.Agent;

/// <summary>
/// Where an ssh-agent is and how long to wait for it. Each call of the <see cref="ISshAgent"/>
/// methods opens a fresh connection, sends one request and closes it, so a key added, removed
/// or rotated in the agent takes effect on the next request, and a restarted agent is found
/// again; <see cref="ConnectAsync"/> holds one connection for a batch.
/// </summary>
public sealed class SshAgentClient : ISshAgent
{
    /// <summary>The environment variable OpenSSH uses for the agent socket.</summary>
    public const string SocketVariable = "SSH_AUTH_SOCK";

    /// <summary>The named pipe of the Windows OpenSSH agent service, used on Windows when SSH_AUTH_SOCK is not set.</summary>
    public const string WindowsPipePath = AgentEndpoint.WindowsPipePath;

    /// <summary>
    /// Long enough for an agent that asks the person to confirm a signature (ssh-add -c) or a
    /// hardware token to blink, short enough that a wedged agent does not hang authentication.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>An agent at a socket path (or, on Windows, a \\.\pipe\ name).</summary>
    /// <param name="path">The Unix socket path or the Windows pipe path.</param>
    /// <param name="timeout">The limit for one request, including connecting; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none.</param>
    public SshAgentClient(string path, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var limit = timeout ?? DefaultTimeout;
        if (limit != System.Threading.Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero, nameof(timeout));
        }

        Path = path;
        Timeout = limit;
    }

    public string Path { get; }

    public TimeSpan Timeout { get; }

    /// <summary>
    /// The agent named by SSH_AUTH_SOCK; on Windows without SSH_AUTH_SOCK, the OpenSSH agent
    /// service's pipe. Raises <see cref="SshAgentException"/> (<see cref="SshAgentError.NoAgent"/>) otherwise.
    /// </summary>
    public static SshAgentClient FromEnvironment(TimeSpan? timeout = null) =>
        FromSocketVariable(Environment.GetEnvironmentVariable(SocketVariable), OperatingSystem.IsWindows(), timeout);

    internal static SshAgentClient FromSocketVariable(string? value, bool isWindows, TimeSpan? timeout)
    {
        if (!string.IsNullOrEmpty(value))
        {
            return new SshAgentClient(value, timeout);
        }

        if (isWindows)
        {
            return new SshAgentClient(WindowsPipePath, timeout);
        }

        throw new SshAgentException(SshAgentError.NoAgent, $"No ssh-agent: {SocketVariable} is not set");
    }

    /// <summary>Opens one connection for a batch of requests; dispose it when done.</summary>
    public ValueTask<SshAgentConnection> ConnectAsync(CancellationToken cancellationToken = default) =>
        SshAgentConnection.ConnectAsync(Path, Timeout, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<SshAgentKey>> RequestIdentitiesAsync(CancellationToken cancellationToken = default)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.RequestIdentitiesAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> keyBlob, ReadOnlyMemory<byte> data, SshAgentSignFlags flags, CancellationToken cancellationToken = default)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.SignAsync(keyBlob, data, flags, cancellationToken).ConfigureAwait(false);
        }
    }

    public override string ToString() => $"ssh-agent at {Path}";
}
