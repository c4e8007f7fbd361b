using System.Buffers.Binary;
using System.Net.Sockets;
using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Wire;

namespace SshMux.Tests.SignProxy;

/// <summary>
/// A scripted agent on a Unix socket (RFC 9987 framing): it lists one key and answers every
/// sign request with whatever signature blob the test chose, so a misbehaving agent can be
/// played. It records the flags of each sign request.
/// </summary>
internal sealed class FakeAgent : IAsyncDisposable
{
    private const byte RequestIdentities = 11;
    private const byte IdentitiesAnswer = 12;
    private const byte SignRequest = 13;
    private const byte SignResponse = 14;
    private const byte Failure = 5;

    private readonly TempDirectory _directory = new("sshmux-fakeagent-");
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly byte[] _keyBlob;
    private readonly Func<byte[], byte[]> _sign;
    private readonly List<uint> _flags = [];

    /// <param name="keyBlob">The public key blob the agent lists.</param>
    /// <param name="sign">The signature blob to answer for the data to sign.</param>
    public FakeAgent(byte[] keyBlob, Func<byte[], byte[]> sign)
    {
        _keyBlob = keyBlob;
        _sign = sign;
        SocketPath = _directory.File("fake-agent.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(8);
        _acceptLoop = AcceptAsync();
    }

    public string SocketPath { get; }

    public IReadOnlyList<uint> SignFlags
    {
        get
        {
            lock (_flags)
            {
                return [.. _flags];
            }
        }
    }

    /// <summary>A signature blob: string algorithm, string signature.</summary>
    public static byte[] SignatureBlob(string algorithm, byte[] signature)
    {
        using var writer = new SshWriter();
        writer.WriteString(algorithm);
        writer.WriteBinary(signature);
        return writer.ToArray();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            await using var stream = new NetworkStream(socket, ownsSocket: true);
            try
            {
                await ServeAsync(stream, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or EndOfStreamException)
            {
            }
        }
    }

    private async Task ServeAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        while (await stream.ReadAtLeastAsync(header, 4, throwOnEndOfStream: false, cancellationToken) == 4)
        {
            var message = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
            await stream.ReadExactlyAsync(message, cancellationToken);
            using var reply = new SshWriter();
            switch (message[0])
            {
                case RequestIdentities:
                    reply.WriteByte(IdentitiesAnswer).WriteUInt32(1).WriteBinary(_keyBlob).WriteString("fake key");
                    break;
                case SignRequest:
                    var (data, flags) = ParseSignRequest(message);
                    lock (_flags)
                    {
                        _flags.Add(flags);
                    }

                    reply.WriteByte(SignResponse).WriteBinary(_sign(data));
                    break;
                default:
                    reply.WriteByte(Failure);
                    break;
            }

            var frame = new byte[4 + reply.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)reply.Length);
            reply.WrittenSpan.CopyTo(frame.AsSpan(4));
            await stream.WriteAsync(frame, cancellationToken);
        }
    }

    private static (byte[] Data, uint Flags) ParseSignRequest(byte[] message)
    {
        var reader = new SshReader(message.AsSpan(1));
        reader.ReadBinaryArray("key blob");
        var data = reader.ReadBinaryArray("data");
        return (data, reader.ReadUInt32("flags"));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        _stop.Dispose();
        _directory.Dispose();
    }
}
