using System.Text;
using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport.Ciphers;
using SshMux.Ssh.Transport.Kex;
using SshMux.Ssh.Transport.Messages;

namespace SshMux.Ssh.Transport;

/// <summary>Key exchange and re-keying (RFC 4253 sections 7 and 9, OpenSSH PROTOCOL 1.9 strict kex).</summary>
public sealed partial class SshTransport
{
    /// <summary>Sequence numbers must not wrap under one set of keys; re-key well before (RFC 4344 section 3.1).</summary>
    private const long RekeyPackets = 1L << 31;

    private bool _kexInitSent;
    private byte[]? _ourKexInitPayload;
    private KexInitMessage? _ourKexInit;
    private bool _strictKex;
    private bool _peerWantsExtInfo;
    private bool _skipGuessedPacket;
    private byte[] _sessionId = [];
    private int _kexCount;
    private int _rekeyScheduled;

    /// <summary>Starts a key re-exchange now (RFC 4253 section 9) and waits until it has finished.</summary>
    public async Task RekeyAsync(CancellationToken cancellationToken = default)
    {
        var before = KeyExchangeCount;
        var done = Volatile.Read(ref _kexDone).Task;
        await SendKexInitAsync(cancellationToken).ConfigureAwait(false);
        while (KeyExchangeCount == before)
        {
            ThrowIfClosed();
            await Task.WhenAny(done, _closed.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
            done = Volatile.Read(ref _kexDone).Task;
        }

        ThrowIfClosed();
    }

    /// <summary>Completed, and replaced, each time a key exchange finishes.</summary>
    private TaskCompletionSource _kexDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void MaybeStartRekey()
    {
        if (_kexCount == 0 || _kexInitSent || Volatile.Read(ref _closing) != 0)
        {
            return;
        }

        var due = _writer.BytesSinceRekey >= _options.RekeyBytes || _reader.BytesSinceRekey >= _options.RekeyBytes
            || _writer.PacketsSinceRekey >= RekeyPackets || _reader.PacketsSinceRekey >= RekeyPackets
            || _sinceKex.Elapsed >= _options.RekeyInterval;
        if (!due || Interlocked.Exchange(ref _rekeyScheduled, 1) != 0)
        {
            return;
        }

        Log(SshLogLevel.Debug, "Re-keying: data or time limit reached");
        RunDetached(async () =>
        {
            try
            {
                await SendKexInitAsync(_lifetime.Token).ConfigureAwait(false);
            }
            catch (SshException e)
            {
                await AbortAsync(e).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    private KexInitMessage BuildKexInit(bool first)
    {
        var kex = new List<string>(_options.KeyExchangeAlgorithms);
        List<string> hostKeys;
        if (IsClient)
        {
            var client = (SshClientOptions)_options;
            hostKeys = [.. _options.HostKeyAlgorithms.Where(a => a != "ssh-rsa" || client.EnableSshRsaSha1)];
            if (client.EnableSshRsaSha1 && !hostKeys.Contains("ssh-rsa"))
            {
                hostKeys.Add("ssh-rsa");
            }

            // ext-info-c and the strict-kex marker belong in the first KEXINIT only (RFC 8308 section 2.1, PROTOCOL 1.9).
            if (first)
            {
                kex.Add(AlgorithmRegistry.ExtInfoClient);
                if (_options.StrictKex)
                {
                    kex.Add(AlgorithmRegistry.StrictKexClient);
                }
            }
        }
        else
        {
            var server = (SshServerOptions)_options;
            hostKeys = [.. _options.HostKeyAlgorithms.Where(a => FindServerHostKey(server, a).Key is not null)];
            if (hostKeys.Count == 0)
            {
                throw new SshException(DisconnectReason.KeyExchangeFailed, "None of the server's host keys can be used with the configured host key algorithms");
            }

            if (first && _options.StrictKex)
            {
                kex.Add(AlgorithmRegistry.StrictKexServer);
            }
        }

        return new KexInitMessage
        {
            KexAlgorithms = kex,
            ServerHostKeyAlgorithms = hostKeys,
            EncryptionClientToServer = _options.Ciphers,
            EncryptionServerToClient = _options.Ciphers,
            MacClientToServer = _options.Macs,
            MacServerToClient = _options.Macs,
        };
    }

    /// <summary>Sends our KEXINIT unless one is already outstanding; from then on only kex messages go out.</summary>
    private async Task SendKexInitAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            if (_kexInitSent)
            {
                return;
            }

            var message = BuildKexInit(first: _kexCount == 0);
            var payload = message.ToPayload();
            // State first: the peer's answer may be processed by the receive loop before this
            // write's continuation runs. A failed write closes the connection anyway.
            _ourKexInitSequence = _writer.SequenceNumber;
            _ourKexInit = message;
            _ourKexInitPayload = payload;
            _kexGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _kexInitSent, true);
            await _writer.WritePacketAsync(payload, _lifetime.Token).ConfigureAwait(false);
            if (_kexCount > 0)
            {
                _ = WatchRekeyAsync(_kexCount);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>A re-key the peer never completes would stall every sender: give up after a bound.</summary>
    private async Task WatchRekeyAsync(int kexNumber)
    {
        try
        {
            await Task.Delay(_options.RekeyTimeout, _lifetime.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (Volatile.Read(ref _kexCount) == kexNumber)
        {
            await AbortAsync(new SshException(DisconnectReason.ProtocolError,
                $"Peer did not complete the key re-exchange within {_options.RekeyTimeout.TotalSeconds:0} s")).ConfigureAwait(false);
        }
    }

    private uint _ourKexInitSequence;

    /// <summary>
    /// A peer that answers our KEXINIT with SSH_MSG_UNIMPLEMENTED (OpenSSH does before
    /// authentication) will never finish the exchange, and nothing but kex messages may be
    /// sent until it does: end the connection now rather than stall every sender.
    /// </summary>
    private void CheckKexInitRefused(uint sequence)
    {
        if (Volatile.Read(ref _kexInitSent) && sequence == _ourKexInitSequence)
        {
            throw new SshException(DisconnectReason.ProtocolError, "Peer refused key re-exchange (SSH_MSG_UNIMPLEMENTED in reply to our KEXINIT)");
        }

        Log(SshLogLevel.Debug, $"Peer did not implement our packet {sequence}");
    }

    private void CheckStrictInitial(byte number)
    {
        // PROTOCOL 1.9: during the initial exchange of a strict-kex connection, any message
        // other than the expected key exchange ones ends the connection.
        if (_strictKex && _kexCount == 0)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Strict KEX violation: unexpected message {number} during the initial key exchange");
        }
    }

    private async Task RunKeyExchangeAsync(byte[] peerPayload)
    {
        var first = _kexCount == 0;
        var peer = KexInitMessage.Parse(peerPayload);
        if (first)
        {
            var peerMarker = IsClient ? AlgorithmRegistry.StrictKexServer : AlgorithmRegistry.StrictKexClient;
            _strictKex = _options.StrictKex && peer.KexAlgorithms.Contains(peerMarker);

            // The peer's KEXINIT must be its very first packet under strict kex.
            if (_strictKex && _reader.SequenceNumber != 1)
            {
                throw new SshException(DisconnectReason.ProtocolError, "Strict KEX violation: KEXINIT was not the first packet");
            }

            _peerWantsExtInfo = !IsClient && peer.KexAlgorithms.Contains(AlgorithmRegistry.ExtInfoClient);
            PeerKexInit = peer;
        }

        await SendKexInitAsync(_lifetime.Token).ConfigureAwait(false);
        var ours = _ourKexInit!;
        var oursPayload = _ourKexInitPayload!;
        var (client, server) = IsClient ? (ours, peer) : (peer, ours);
        var negotiated = Negotiator.Negotiate(client, server);
        Log(SshLogLevel.Debug, $"Negotiated kex {negotiated.KeyExchange}, host key {negotiated.HostKey}, ciphers {negotiated.CipherClientToServer}/{negotiated.CipherServerToClient}, MACs {negotiated.MacClientToServer ?? "<implicit>"}/{negotiated.MacServerToClient ?? "<implicit>"}");
        if (negotiated.CompressionClientToServer != "none" || negotiated.CompressionServerToClient != "none")
        {
            throw new SshException(DisconnectReason.CompressionError, "Compression is not supported");
        }

        // RFC 4253 section 7: a wrong guess means the peer's next kex packet is to be ignored.
        _skipGuessedPacket = peer.FirstKexPacketFollows && !Negotiator.GuessIsRight(client, server);

        var method = AlgorithmRegistry.CreateKeyExchange(negotiated.KeyExchange);
        SshPrivateKey? hostKey = null;
        SshCertificate? hostCertificate = null;
        if (!IsClient)
        {
            (hostKey, hostCertificate) = FindServerHostKey((SshServerOptions)_options, negotiated.HostKey);
        }

        var local = Encoding.ASCII.GetBytes(LocalVersion);
        var remote = Encoding.ASCII.GetBytes(RemoteVersion);
        var context = new KexContext
        {
            ClientVersion = IsClient ? local : remote,
            ServerVersion = IsClient ? remote : local,
            ClientKexInit = IsClient ? oursPayload : peerPayload,
            ServerKexInit = IsClient ? peerPayload : oursPayload,
            HostKeyAlgorithm = negotiated.HostKey,
            HostKey = hostKey,
            HostCertificate = hostCertificate,
            SendAsync = (payload, ct) => SendMessageAsync(payload, ct),
            ReceiveAsync = ct => ReceiveKexMessageAsync(expectNewKeys: false),
            GexMin = _options.GexMin,
            GexPreferred = _options.GexPreferred,
            GexMax = _options.GexMax,
        };

        using var result = IsClient
            ? await method.RunClientAsync(context, _lifetime.Token).ConfigureAwait(false)
            : await method.RunServerAsync(context, _lifetime.Token).ConfigureAwait(false);

        await CheckHostKeyAsync(result, negotiated.HostKey, first).ConfigureAwait(false);
        if (first)
        {
            _sessionId = result.ExchangeHash;
            HostKey = result.HostKey;
            HostCertificate = result.HostCertificate ?? hostCertificate;
        }

        var (outgoing, incoming) = CreateCiphers(negotiated, result);
        await SendNewKeysAsync(outgoing, first).ConfigureAwait(false);

        await ReceiveKexMessageAsync(expectNewKeys: true).ConfigureAwait(false);
        var old = _reader.Cipher;
        _reader.Cipher = incoming;
        old.Dispose();
        if (_strictKex)
        {
            _reader.SequenceNumber = 0;
        }

        _reader.BytesSinceRekey = 0;
        _reader.PacketsSinceRekey = 0;
        _sinceKex.Restart();
        Negotiated = negotiated;
        Volatile.Write(ref _kexCount, _kexCount + 1);
        Volatile.Write(ref _rekeyScheduled, 0);
        Interlocked.Exchange(ref _kexDone, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        Log(SshLogLevel.Debug, first ? "Initial key exchange complete" + (_strictKex ? " (strict)" : string.Empty) : "Key re-exchange complete");
        if (first)
        {
            _firstKex.TrySetResult();
        }
    }

    private async Task CheckHostKeyAsync(KexResult result, string algorithm, bool first)
    {
        var key = result.HostKey;
        if (!IsClient)
        {
            return;
        }

        if (!first)
        {
            // A re-key must prove the same host key (as OpenSSH checks in kex_verify_host_key).
            if (!key.Blob.Span.SequenceEqual(HostKey!.Blob.Span))
            {
                throw new SshException(DisconnectReason.HostKeyNotVerifiable, "The server presented a different host key during key re-exchange");
            }

            return;
        }

        var verifier = ((SshClientOptions)_options).HostKeyVerifier;
        var accepted = verifier is not null && await verifier(new HostKeyVerification(key, algorithm, RemoteVersion, result.HostCertificate), _lifetime.Token).ConfigureAwait(false);
        if (!accepted)
        {
            throw new SshException(DisconnectReason.HostKeyNotVerifiable, $"Host key verification failed for the server's {key.KeyType} key");
        }
    }

    /// <summary>
    /// Server role: the private key (and, for a certificate algorithm, the certificate that
    /// certifies it) that can sign with a host key algorithm; (null, null) when none can.
    /// </summary>
    private static (SshPrivateKey? Key, SshCertificate? Certificate) FindServerHostKey(SshServerOptions server, string algorithm)
    {
        if (AlgorithmRegistry.FindHostKey(algorithm) is not { } found)
        {
            return (null, null);
        }

        if (!found.IsCertificate)
        {
            return (server.HostKeys.FirstOrDefault(k => k.PublicKey.KeyType == found.KeyType), null);
        }

        foreach (var certificate in server.HostCertificates.Where(c => c.KeyType == found.KeyType))
        {
            if (server.HostKeys.FirstOrDefault(k => k.PublicKey == certificate.PublicKey) is { } key)
            {
                return (key, certificate);
            }
        }

        return (null, null);
    }

    private (PacketCipher Outgoing, PacketCipher Incoming) CreateCiphers(NegotiatedAlgorithms negotiated, KexResult result)
    {
        PacketCipher Create(bool clientToServer, bool encrypt)
        {
            var cipher = AlgorithmRegistry.FindCipher(clientToServer ? negotiated.CipherClientToServer : negotiated.CipherServerToClient)!;
            var macName = clientToServer ? negotiated.MacClientToServer : negotiated.MacServerToClient;
            var mac = macName is null ? null : AlgorithmRegistry.FindMac(macName);
            var iv = KeyDerivation.Derive(result.Hash, result.SharedSecret, result.ExchangeHash, clientToServer ? 'A' : 'B', _sessionId, cipher.IvSize);
            var key = KeyDerivation.Derive(result.Hash, result.SharedSecret, result.ExchangeHash, clientToServer ? 'C' : 'D', _sessionId, cipher.KeySize);
            var macKey = KeyDerivation.Derive(result.Hash, result.SharedSecret, result.ExchangeHash, clientToServer ? 'E' : 'F', _sessionId, mac?.KeySize ?? 0);
            try
            {
                return AlgorithmRegistry.CreatePacketCipher(cipher, mac, key, iv, macKey, encrypt);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(iv);
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(macKey);
            }
        }

        return (Create(IsClient, encrypt: true), Create(!IsClient, encrypt: false));
    }

    private async Task SendNewKeysAsync(PacketCipher outgoing, bool first)
    {
        await _writeLock.WaitAsync(_lifetime.Token).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            await _writer.WritePacketAsync([MessageNumbers.NewKeys], _lifetime.Token).ConfigureAwait(false);
            var old = _writer.Cipher;
            _writer.Cipher = outgoing;
            old.Dispose();
            if (_strictKex)
            {
                _writer.SequenceNumber = 0;
            }

            _writer.BytesSinceRekey = 0;
            _writer.PacketsSinceRekey = 0;

            // RFC 8308 section 2.4: the server's EXT_INFO is the first message after its first NEWKEYS.
            if (first && _peerWantsExtInfo)
            {
                var serverOptions = (SshServerOptions)_options;
                var algs = string.Join(',', serverOptions.ServerSignatureAlgorithms);
                var ext = new ExtInfoMessage([new("server-sig-algs", Encoding.ASCII.GetBytes(algs)), .. serverOptions.AdditionalExtensions.Select(e => new KeyValuePair<string, byte[]>(e.Key, Encoding.ASCII.GetBytes(e.Value)))]);
                await _writer.WritePacketAsync(ext.ToPayload(), _lifetime.Token).ConfigureAwait(false);
            }

            foreach (var deferred in _deferred)
            {
                await _writer.WritePacketAsync(deferred, _lifetime.Token).ConfigureAwait(false);
            }

            _deferred.Clear();
            _kexInitSent = false;
            _kexGate.TrySetResult();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Reads the next key exchange message, enforcing what RFC 4253 section 7.1 and strict kex allow.</summary>
    private async ValueTask<byte[]> ReceiveKexMessageAsync(bool expectNewKeys)
    {
        while (true)
        {
            var payload = await _reader.ReadPacketAsync(_lifetime.Token).ConfigureAwait(false);
            var number = payload.Span[0];
            switch (number)
            {
                case MessageNumbers.Disconnect:
                    throw PeerDisconnected(payload.Span);
                case MessageNumbers.Ignore or MessageNumbers.Debug:
                    CheckStrictInitial(number);
                    continue;
                case MessageNumbers.Unimplemented:
                    CheckStrictInitial(number);
                    CheckKexInitRefused(UnimplementedMessage.Parse(payload.Span).SequenceNumber);
                    continue;
                case MessageNumbers.NewKeys when expectNewKeys:
                    if (payload.Length != 1)
                    {
                        throw new SshException(DisconnectReason.ProtocolError, "Malformed SSH_MSG_NEWKEYS: unexpected trailing bytes");
                    }

                    return [];
                case >= MessageNumbers.KexFirst and <= MessageNumbers.KexLast when !expectNewKeys:
                    if (_skipGuessedPacket)
                    {
                        _skipGuessedPacket = false;
                        Log(SshLogLevel.Debug, "Ignoring the peer's wrongly guessed first kex packet");
                        continue;
                    }

                    return payload.ToArray();
                default:
                    throw new SshException(DisconnectReason.ProtocolError,
                        expectNewKeys ? $"Unexpected message {number} during key exchange: expected SSH_MSG_NEWKEYS" : $"Unexpected message {number} during key exchange");
            }
        }
    }
}
