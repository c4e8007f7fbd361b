using System.Net.Sockets;
using SshMux.Ssh;
using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Transport.Messages;

namespace SshMux.Scan;

/// <summary>One host key as a scan found it.</summary>
internal sealed record ScannedHostKey(string Algorithm, SshPublicKey Key);

/// <summary>What <see cref="HostScanner"/> learned about a server.</summary>
internal sealed record ScanResult(
    string Identification,
    IReadOnlyList<string> Preamble,
    KexInitMessage Offered,
    NegotiatedAlgorithms Negotiated,
    bool StrictKex,
    IReadOnlyList<ScannedHostKey> HostKeys,
    IReadOnlyList<string> Failures);

/// <summary>A scan that could not reach the host or found no SSH server there.</summary>
internal sealed class ScanException(string message, bool reached, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True when a TCP connection was made (so the failure is in the SSH layer).</summary>
    public bool Reached { get; } = reached;
}

/// <summary>
/// Like ssh-keyscan: connects, completes key exchange (no authentication), and repeats the
/// handshake once per host key type the server offers to collect every host key.
/// </summary>
internal sealed class HostScanner(string host, int port, TimeSpan timeout)
{
    /// <summary>Key types scanned, one handshake each, with the signature algorithm to ask for in preference order.</summary>
    private static readonly (string KeyType, string[] Algorithms)[] s_keyTypes =
    [
        ("ssh-ed25519", ["ssh-ed25519"]),
        ("ecdsa-sha2-nistp256", ["ecdsa-sha2-nistp256"]),
        ("ecdsa-sha2-nistp384", ["ecdsa-sha2-nistp384"]),
        ("ecdsa-sha2-nistp521", ["ecdsa-sha2-nistp521"]),
        ("ssh-rsa", ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]),
    ];

    public async Task<ScanResult> ScanAsync(CancellationToken cancellationToken)
    {
        var first = await HandshakeAsync(null, cancellationToken).ConfigureAwait(false);
        var offered = first.Transport.PeerKexInit!;
        var keys = new List<ScannedHostKey> { new(first.Transport.Negotiated!.HostKey, first.Key) };
        var failures = new List<string>();
        var result = first.Transport;
        foreach (var (keyType, algorithms) in s_keyTypes)
        {
            var algorithm = algorithms.FirstOrDefault(a => offered.ServerHostKeyAlgorithms.Contains(a));
            if (algorithm is null || keys.Any(k => k.Key.KeyType == keyType))
            {
                continue;
            }

            try
            {
                var next = await HandshakeAsync(algorithm, cancellationToken).ConfigureAwait(false);
                keys.Add(new ScannedHostKey(algorithm, next.Key));
                await next.Transport.DisposeAsync().ConfigureAwait(false);
            }
            catch (ScanException e)
            {
                failures.Add($"{algorithm}: {e.Message}");
            }
        }

        var scan = new ScanResult(result.RemoteVersion, result.PreambleLines, offered, result.Negotiated!, result.IsStrictKex,
            [.. keys.OrderBy(k => Array.FindIndex(s_keyTypes, t => t.KeyType == k.Key.KeyType))], failures);
        await result.DisposeAsync().ConfigureAwait(false);
        return scan;
    }

    private async Task<(SshTransport Transport, SshPublicKey Key)> HandshakeAsync(string? hostKeyAlgorithm, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            client.Dispose();
            var why = e.SocketErrorCode switch
            {
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "the host name could not be resolved",
                SocketError.ConnectionRefused => "connection refused",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => "no route to host",
                SocketError.TimedOut => "connection timed out",
                _ => e.Message,
            };
            throw new ScanException($"cannot connect to {host} port {port}: {why}", reached: false, e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw new ScanException($"cannot connect to {host} port {port}: no answer within {timeout.TotalSeconds:0} s", reached: false);
        }

        SshPublicKey? seen = null;
        var options = new SshClientOptions
        {
            // Scanning proves nothing about the key; it only reports it. ssh-rsa is allowed so
            // that servers offering nothing newer still show their key.
            EnableSshRsaSha1 = true,
            HostKeyAlgorithms = hostKeyAlgorithm is null ? AlgorithmRegistry.DefaultHostKeyAlgorithms : [hostKeyAlgorithm],
            VersionExchangeTimeout = timeout,
            HandshakeTimeout = timeout,
            HostKeyVerifier = (v, _) =>
            {
                seen = v.HostKey;
                return ValueTask.FromResult(true);
            },
        };
        try
        {
            var transport = await SshTransport.ConnectAsync(client.GetStream(), options, cancellationToken).ConfigureAwait(false);
            return (transport, seen!);
        }
        catch (SshException e)
        {
            client.Dispose();
            throw new ScanException(e.Message, reached: true, e);
        }
    }
}
