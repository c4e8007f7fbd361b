using System.Security.Cryptography;
using SshMux.Ssh.Crypto;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>
/// curve25519-sha256 and its pre-standard alias curve25519-sha256@libssh.org (RFC 8731).
/// The messages and the exchange hash are those of ECDH (RFC 5656 section 4) with 32-byte
/// X25519 public values as Q_C and Q_S.
/// </summary>
internal sealed class Curve25519KeyExchange(string name) : KexMethod
{
    public override string Name { get; } = name;

    public override HashAlgorithmName Hash => HashAlgorithmName.SHA256;

    public override async Task<KexResult> RunClientAsync(KexContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var privateKey = new byte[X25519.KeySize];
        var sharedSecret = new byte[X25519.KeySize];
        byte[]? k = null;
        try
        {
            var clientPublic = CreateKeyPair(privateKey);
            using (var init = new SshWriter())
            {
                new KexEcdhInit { ClientPublic = clientPublic }.Write(init);
                await KexWire.SendAsync(context, init, cancellationToken).ConfigureAwait(false);
            }

            var payload = await KexWire.ReceiveAsync(context, KexEcdhReply.Number, "SSH_MSG_KEX_ECDH_REPLY", cancellationToken).ConfigureAwait(false);
            var reply = KexEcdhReply.Read(payload);
            var (hostKey, certificate) = DecodeServerKey(context, reply.HostKey);

            k = Agree(privateKey, reply.ServerPublic, sharedSecret, "server");
            var h = ComputeHash(context, reply.HostKey, clientPublic, reply.ServerPublic, k);
            KexHostKey.VerifySignature(context, hostKey, h, reply.Signature, Name);
            return Result(k, h, hostKey, certificate);
        }
        catch
        {
            Zero(k);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }

    public override async Task<KexResult> RunServerAsync(KexContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var hostKeyBlob = KexHostKey.ServerBlob(context);
        var payload = await KexWire.ReceiveAsync(context, KexEcdhInit.Number, "SSH_MSG_KEX_ECDH_INIT", cancellationToken).ConfigureAwait(false);
        var init = KexEcdhInit.Read(payload);

        var privateKey = new byte[X25519.KeySize];
        var sharedSecret = new byte[X25519.KeySize];
        byte[]? k = null;
        try
        {
            var serverPublic = CreateKeyPair(privateKey);
            k = Agree(privateKey, init.ClientPublic, sharedSecret, "client");
            var h = ComputeHash(context, hostKeyBlob, init.ClientPublic, serverPublic, k);
            var signature = KexHostKey.Sign(context, h);
            using (var reply = new SshWriter(hostKeyBlob.Length + signature.Length + 64))
            {
                new KexEcdhReply { HostKey = hostKeyBlob, ServerPublic = serverPublic, Signature = signature }.Write(reply);
                await KexWire.SendAsync(context, reply, cancellationToken).ConfigureAwait(false);
            }

            return Result(k, h, context.HostKey!.PublicKey);
        }
        catch
        {
            Zero(k);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }

    private byte[] CreateKeyPair(Span<byte> privateKey)
    {
        if (FixedEphemeralKey is { } fixedKey)
        {
            fixedKey.CopyTo(privateKey);
        }
        else
        {
            RandomNumberGenerator.Fill(privateKey);
        }

        var publicKey = new byte[X25519.KeySize];
        X25519.ScalarMultBase(privateKey, publicKey);
        return publicKey;
    }

    /// <summary>
    /// RFC 8731 section 3: the peer's value must be exactly 32 bytes and an all-zero result
    /// (a low-order point) aborts; K is the 32-byte output read as an unsigned big-endian
    /// integer, encoded as an mpint.
    /// </summary>
    private byte[] Agree(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublic, Span<byte> sharedSecret, string peer)
    {
        if (peerPublic.Length != X25519.KeySize)
        {
            throw KexWire.Failed($"{Name}: the {peer}'s public value is {peerPublic.Length} bytes, expected {X25519.KeySize}");
        }

        X25519.ScalarMult(privateKey, peerPublic, sharedSecret);

        // Constant time: only the final all-zero verdict is visible.
        var any = 0;
        foreach (var b in sharedSecret)
        {
            any |= b;
        }

        if (any == 0)
        {
            throw KexWire.Failed($"{Name}: the {peer}'s public value is a low-order point (all-zero shared secret)");
        }

        using var k = new SshWriter(X25519.KeySize + 8) { Sensitive = true };
        k.WriteUnsignedMPInt(sharedSecret);
        return k.ToArray();
    }

    private byte[] ComputeHash(KexContext context, ReadOnlySpan<byte> hostKeyBlob, ReadOnlySpan<byte> clientPublic, ReadOnlySpan<byte> serverPublic, ReadOnlySpan<byte> k)
    {
        using var w = ExchangeHash.Begin(context, hostKeyBlob);
        w.WriteBinary(clientPublic).WriteBinary(serverPublic);
        return ExchangeHash.Finish(w, k, Hash);
    }

    private KexResult Result(byte[] k, byte[] h, SshPublicKey hostKey, SshCertificate? certificate = null) =>
        new() { SharedSecret = k, ExchangeHash = h, Hash = Hash, HostKey = hostKey, HostCertificate = certificate };

    private static void Zero(byte[]? secret)
    {
        if (secret is not null)
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
