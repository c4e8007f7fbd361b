using System.Buffers.Binary;
using System.Globalization;

namespace SshMux.Ssh.Agent;

/// <summary>
/// One open connection to an agent, for a batch of requests. The protocol is strictly one
/// request, one reply (RFC 9987 section 3), so concurrent calls are queued. A timeout,
/// cancellation or malformed reply leaves the stream at an unknown point of a message, so the
/// connection is then unusable and later calls fail at once.
/// </summary>
public sealed class SshAgentConnection : ISshAgent, IAsyncDisposable, IDisposable
{
    private readonly Stream _stream;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _header = new byte[4];
    private string? _brokenBecause;
    private bool _disposed;

    private SshAgentConnection(Stream stream, string path, TimeSpan timeout)
    {
        _stream = stream;
        Path = path;
        Timeout = timeout;
    }

    /// <summary>The socket path or pipe name of the agent.</summary>
    public string Path { get; }

    /// <summary>How long one request may take, from writing it to the end of the reply.</summary>
    public TimeSpan Timeout { get; }

    internal static async ValueTask<SshAgentConnection> ConnectAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = StartDeadline(timeout, cancellationToken);
        try
        {
            var stream = await AgentEndpoint.ConnectAsync(path, deadline.Token).ConfigureAwait(false);
            return new SshAgentConnection(stream, path, timeout);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SshAgentException(SshAgentError.Timeout, $"Cannot connect to the ssh-agent at {path}: no connection within {Seconds(timeout)}", e);
        }
        catch (OperationCanceledException e)
        {
            throw new OperationCanceledException(e.Message, e, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<SshAgentKey>> RequestIdentitiesAsync(CancellationToken cancellationToken = default)
    {
        var reply = await RoundTripAsync(SshAgentProtocol.EncodeRequestIdentities(), SshAgentProtocol.RequestIdentities, cancellationToken).ConfigureAwait(false);
        if (SshAgentProtocol.IsFailure(reply[0]))
        {
            throw new SshAgentException(SshAgentError.Refused, $"The ssh-agent at {Path} refused to list its keys");
        }

        ExpectType(reply, SshAgentProtocol.IdentitiesAnswer, SshAgentProtocol.RequestIdentities);
        try
        {
            return SshAgentProtocol.DecodeIdentities(reply.AsSpan(1));
        }
        catch (SshException e) when (e is not SshAgentException)
        {
            throw Malformed(e);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> keyBlob, ReadOnlyMemory<byte> data, SshAgentSignFlags flags, CancellationToken cancellationToken = default)
    {
        var request = SshAgentProtocol.EncodeSignRequest(keyBlob.Span, data.Span, flags);
        var reply = await RoundTripAsync(request, SshAgentProtocol.SignRequest, cancellationToken).ConfigureAwait(false);
        if (SshAgentProtocol.IsFailure(reply[0]))
        {
            throw new SshAgentException(SshAgentError.Refused,
                $"The agent refused to sign with {SshAgentKey.DescribeBlob(keyBlob.Span)} (the key may have been removed, or confirmation was denied)");
        }

        ExpectType(reply, SshAgentProtocol.SignResponse, SshAgentProtocol.SignRequest);
        try
        {
            return SshAgentProtocol.DecodeSignResponse(reply.AsSpan(1));
        }
        catch (SshException e) when (e is not SshAgentException)
        {
            throw Malformed(e);
        }
    }

    /// <summary>Writes one framed request and reads the whole framed reply; returns the reply from its type byte on.</summary>
    private async ValueTask<byte[]> RoundTripAsync(byte[] request, byte requestType, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_brokenBecause is not null)
            {
                throw new SshAgentException(SshAgentError.ConnectionClosed,
                    $"The connection to the ssh-agent at {Path} is unusable after an earlier failure: {_brokenBecause}");
            }

            using var deadline = StartDeadline(Timeout, cancellationToken);
            try
            {
                await _stream.WriteAsync(request, deadline.Token).ConfigureAwait(false);
                await _stream.FlushAsync(deadline.Token).ConfigureAwait(false);
                return await ReadReplyAsync(requestType, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
            {
                throw Break(new SshAgentException(SshAgentError.Timeout,
                    $"The ssh-agent at {Path} did not answer {SshAgentProtocol.Name(requestType)} within {Seconds(Timeout)}", e));
            }
            catch (OperationCanceledException e)
            {
                // Reported with the caller's token, not the internal linked one.
                Break("the request was cancelled");
                throw new OperationCanceledException(e.Message, e, cancellationToken);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                throw Break(new SshAgentException(SshAgentError.ConnectionClosed,
                    $"Lost the connection to the ssh-agent at {Path} during {SshAgentProtocol.Name(requestType)}: {e.Message}", e));
            }
            catch (SshAgentException e)
            {
                throw Break(e);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<byte[]> ReadReplyAsync(byte requestType, CancellationToken cancellationToken)
    {
        var got = await _stream.ReadAtLeastAsync(_header, _header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got < _header.Length)
        {
            throw new SshAgentException(SshAgentError.ConnectionClosed, got == 0
                ? $"The ssh-agent at {Path} closed the connection without answering {SshAgentProtocol.Name(requestType)}"
                : $"The ssh-agent at {Path} closed the connection in the middle of a reply length ({got} of 4 bytes)");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(_header);
        if (length == 0)
        {
            throw new SshAgentException(SshAgentError.ProtocolError, $"The ssh-agent at {Path} sent an empty reply (no message type)");
        }

        if (length > SshAgentProtocol.MaxMessageLength)
        {
            throw new SshAgentException(SshAgentError.ProtocolError,
                $"The ssh-agent at {Path} sent a reply of {length} bytes, more than the limit of {SshAgentProtocol.MaxMessageLength} bytes");
        }

        var reply = new byte[length];
        got = await _stream.ReadAtLeastAsync(reply, reply.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got < reply.Length)
        {
            throw new SshAgentException(SshAgentError.ConnectionClosed,
                $"The ssh-agent at {Path} closed the connection in the middle of a reply ({got} of {length} bytes)");
        }

        return reply;
    }

    private void ExpectType(byte[] reply, byte expected, byte requestType)
    {
        if (reply[0] != expected)
        {
            throw Break(new SshAgentException(SshAgentError.ProtocolError,
                $"The ssh-agent at {Path} answered {SshAgentProtocol.Name(requestType)} with {SshAgentProtocol.Name(reply[0])}, not {SshAgentProtocol.Name(expected)}"));
        }
    }

    private SshAgentException Malformed(SshException e) =>
        Break(new SshAgentException(SshAgentError.ProtocolError, $"The ssh-agent at {Path} sent a malformed reply: {e.Message}", e));

    private SshAgentException Break(SshAgentException e)
    {
        Break(e.Message);
        return e;
    }

    private void Break(string reason) => _brokenBecause ??= reason;

    private static CancellationTokenSource StartDeadline(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            source.CancelAfter(timeout);
        }

        return source;
    }

    private static string Seconds(TimeSpan timeout) =>
        timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    public async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _stream.Dispose();
        }
    }
}
