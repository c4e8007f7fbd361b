using System.Buffers;
using System.Buffers.Binary;

namespace SshMux.Ssh.Sftp;

/// <summary>How a whole-file transfer is pipelined.</summary>
public sealed record SftpTransferOptions
{
    /// <summary>Bytes per READ or WRITE request; OpenSSH's sftp uses 32 KiB (its -B default).</summary>
    public int ChunkSize { get; init; } = 32 * 1024;

    /// <summary>Requests in flight at once; OpenSSH's sftp uses 64 (its -R default).</summary>
    public int MaxOutstanding { get; init; } = 64;

    internal void Validate()
    {
        // Replies must fit the packet limit: 32 KiB to 255 KiB chunks keep DATA replies under it.
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ChunkSize, 255 * 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxOutstanding, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxOutstanding, 1024);
    }
}

/// <summary>
/// Whole-file transfers with many requests in flight, as OpenSSH's sftp does (sftp-client.c
/// do_upload / do_download): without pipelining each 32 KiB waits a full round trip.
/// Memory is bounded: at most <see cref="SftpTransferOptions.MaxOutstanding"/> replies
/// (each at most one chunk) plus one request buffer.
/// </summary>
public sealed partial class SftpClient
{
    /// <summary>
    /// Writes <paramref name="source"/> to <paramref name="remotePath"/> (created or truncated,
    /// mode 0644 for a new file) and returns the number of bytes written.
    /// </summary>
    public async Task<long> UploadAsync(Stream source, string remotePath, SftpTransferOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= new SftpTransferOptions();
        options.Validate();
        var handle = await OpenFileAsync(remotePath, SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate,
            new SftpAttributes { Permissions = 0x1A4 /* 0644 */ }, cancellationToken).ConfigureAwait(false);
        var inFlight = new Queue<Task<SftpResponse>>();

        // WRITE: uint32 length, byte type, uint32 id, string handle, uint64 offset, string data.
        var headerLength = 4 + 1 + 4 + 4 + handle.Value.Length + 8 + 4;
        var buffer = ArrayPool<byte>.Shared.Rent(headerLength + options.ChunkSize);
        long offset = 0;
        try
        {
            while (true)
            {
                if (inFlight.Count == options.MaxOutstanding)
                {
                    await ExpectWrittenAsync(inFlight.Dequeue(), handle).ConfigureAwait(false);
                }

                var read = await source.ReadAtLeastAsync(buffer.AsMemory(headerLength, options.ChunkSize), options.ChunkSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                var id = _packets.NextId();
                WriteRequestHeader(buffer, id, handle, (ulong)offset, read);
                inFlight.Enqueue(_packets.Register(id));

                // The channel copies the packet before SendDataAsync returns, so one buffer serves every request.
                await _packets.SendAsync(buffer.AsMemory(0, headerLength + read), cancellationToken).ConfigureAwait(false);
                offset += read;
            }

            while (inFlight.Count > 0)
            {
                await ExpectWrittenAsync(inFlight.Dequeue(), handle).ConfigureAwait(false);
            }
        }
        catch
        {
            DiscardReplies(inFlight);
            await CloseAfterFailureAsync(handle).ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await CloseAsync(handle, cancellationToken).ConfigureAwait(false);
        return offset;
    }

    /// <summary>Reads <paramref name="remotePath"/> into <paramref name="destination"/> and returns the number of bytes read.</summary>
    public async Task<long> DownloadAsync(string remotePath, Stream destination, SftpTransferOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        options ??= new SftpTransferOptions();
        options.Validate();
        var handle = await OpenFileAsync(remotePath, SftpOpenFlags.Read, null, cancellationToken).ConfigureAwait(false);
        var inFlight = new Queue<(ulong Offset, Task<SftpResponse> Reply)>();
        ulong nextOffset = 0;
        ulong written = 0;
        var endOfFile = false;
        try
        {
            while (!endOfFile || inFlight.Count > 0)
            {
                while (!endOfFile && inFlight.Count < options.MaxOutstanding)
                {
                    inFlight.Enqueue((nextOffset, SendReadAsync(handle, nextOffset, options.ChunkSize, cancellationToken)));
                    nextOffset += (ulong)options.ChunkSize;
                }

                var (offset, pending) = inFlight.Dequeue();
                using var reply = await pending.ConfigureAwait(false);
                if (endOfFile)
                {
                    continue; // Past the end found earlier: replies are only drained.
                }

                var length = WriteData(reply, handle, options.ChunkSize, out var data);
                if (length == 0)
                {
                    endOfFile = true;
                    continue;
                }

                await destination.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                written = offset + (ulong)length;

                // A short read (section 6.4 allows fewer bytes than asked) leaves a gap before
                // the replies already in flight: fill it before writing them, one read at a time.
                var wanted = (ulong)options.ChunkSize - (ulong)length;
                while (wanted > 0 && !endOfFile)
                {
                    using var gap = await SendReadAsync(handle, written, (int)wanted, cancellationToken).ConfigureAwait(false);
                    var more = WriteData(gap, handle, (int)wanted, out var gapData);
                    if (more == 0)
                    {
                        endOfFile = true;
                        break;
                    }

                    await destination.WriteAsync(gapData, cancellationToken).ConfigureAwait(false);
                    written += (ulong)more;
                    wanted -= (ulong)more;
                }
            }
        }
        catch
        {
            DiscardReplies(inFlight.Select(r => r.Reply));
            await CloseAfterFailureAsync(handle).ConfigureAwait(false);
            throw;
        }

        await CloseAsync(handle, cancellationToken).ConfigureAwait(false);
        return (long)written;
    }

    /// <summary>Checks a DATA or EOF reply; <paramref name="data"/> aliases the reply's buffer.</summary>
    private static int WriteData(SftpResponse reply, SftpHandle handle, int requested, out ReadOnlyMemory<byte> data)
    {
        var length = ExpectData(reply, handle, requested);
        data = length == 0 ? ReadOnlyMemory<byte>.Empty : reply.BodyMemory.Slice(4, length);
        return length;
    }

    private static async Task ExpectWrittenAsync(Task<SftpResponse> pending, SftpHandle handle)
    {
        using var reply = await pending.ConfigureAwait(false);
        ExpectOk(reply, "write", handle.Path);
    }

    private static void WriteRequestHeader(byte[] buffer, uint id, SftpHandle handle, ulong offset, int dataLength)
    {
        var span = buffer.AsSpan();
        var handleLength = handle.Value.Length;
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(1 + 4 + 4 + handleLength + 8 + 4 + dataLength));
        span[4] = SftpPacketType.Write;
        BinaryPrimitives.WriteUInt32BigEndian(span[5..], id);
        BinaryPrimitives.WriteUInt32BigEndian(span[9..], (uint)handleLength);
        handle.Value.CopyTo(span[13..]);
        BinaryPrimitives.WriteUInt64BigEndian(span[(13 + handleLength)..], offset);
        BinaryPrimitives.WriteUInt32BigEndian(span[(21 + handleLength)..], (uint)dataLength);
    }

    /// <summary>Replies still in flight after a failure are returned to the pool when they arrive.</summary>
    private static void DiscardReplies(IEnumerable<Task<SftpResponse>> pending)
    {
        foreach (var reply in pending)
        {
            _ = reply.ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    t.Result.Dispose();
                }
                else
                {
                    _ = t.Exception; // observed: the failure that matters was already thrown
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task CloseAfterFailureAsync(SftpHandle handle)
    {
        try
        {
            await CloseAsync(handle, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or TimeoutException)
        {
            // The transfer's own error is the one to report; the handle dies with the session anyway.
        }
    }
}
