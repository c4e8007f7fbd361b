using SshMux.Ssh.Transport;
using SshMux.Ssh.Transport.Messages;

namespace SshMux.Ssh.Tests.Transport;

/// <summary>
/// A write to a stream that the close path disposed, or whose pipe was completed, is a lost
/// connection (SshException) for the caller, as a socket error is, never another exception type.
/// </summary>
public sealed class PacketWriterFailureTests
{
    public static TheoryData<string> Failures() => new() { "io", "disposed", "completed" };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task AFailedWriteIsAConnectionLost(string failure)
    {
        using var writer = new PacketWriter(new FailingStream(failure switch
        {
            "io" => new IOException("broken pipe"),
            "disposed" => new ObjectDisposedException("NetworkStream"),
            _ => new InvalidOperationException("Writing is not allowed after writer was completed."),
        }));

        var error = await Assert.ThrowsAsync<SshException>(() => writer.WritePacketAsync([MessageNumbers.Ignore, 0, 0, 0, 0], CancellationToken.None).AsTask());

        Assert.Equal(DisconnectReason.ConnectionLost, error.Reason);
    }

    private sealed class FailingStream(Exception failure) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw failure;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromException(failure);
    }
}
