using System.Security.Cryptography;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>
/// ecdh-sha2-nistp256/384/521 (RFC 5656 sections 4 and 6.2). Public values travel as
/// uncompressed SEC1 points; K is the x coordinate of the shared point as an mpint.
/// </summary>
internal sealed class EcdhKeyExchange : KexMethod
{
    private readonly EcdhCurve _curve;

    public EcdhKeyExchange(string name)
    {
        Name = name;
        _curve = name switch
        {
            "ecdh-sha2-nistp256" => EcdhCurve.P256,
            "ecdh-sha2-nistp384" => EcdhCurve.P384,
            "ecdh-sha2-nistp521" => EcdhCurve.P521,
            _ => throw new ArgumentException($"Not an ECDH key exchange: {name}", nameof(name)),
        };
    }

    public override string Name { get; }

    /// <summary>RFC 5656 section 6.2.1: the hash follows the curve size.</summary>
    public override HashAlgorithmName Hash => _curve.Hash;

    public override async Task<KexResult> RunClientAsync(KexContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var ephemeral = CreateEphemeral();
        var clientPublic = _curve.Encode(ephemeral.ExportParameters(false).Q);
        using (var init = new SshWriter())
        {
            new KexEcdhInit { ClientPublic = clientPublic }.Write(init);
            await KexWire.SendAsync(context, init, cancellationToken).ConfigureAwait(false);
        }

        var payload = await KexWire.ReceiveAsync(context, KexEcdhReply.Number, "SSH_MSG_KEX_ECDH_REPLY", cancellationToken).ConfigureAwait(false);
        var reply = KexEcdhReply.Read(payload);
        var (hostKey, certificate) = DecodeServerKey(context, reply.HostKey);

        var k = Agree(ephemeral, reply.ServerPublic, "server");
        try
        {
            var h = ComputeHash(context, reply.HostKey, clientPublic, reply.ServerPublic, k);
            KexHostKey.VerifySignature(context, hostKey, h, reply.Signature, Name);
            return new KexResult { SharedSecret = k, ExchangeHash = h, Hash = Hash, HostKey = hostKey, HostCertificate = certificate };
        }
        catch
        {
            CryptographicOperations.ZeroMemory(k);
            throw;
        }
    }

    public override async Task<KexResult> RunServerAsync(KexContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var hostKeyBlob = KexHostKey.ServerBlob(context);
        var payload = await KexWire.ReceiveAsync(context, KexEcdhInit.Number, "SSH_MSG_KEX_ECDH_INIT", cancellationToken).ConfigureAwait(false);
        var init = KexEcdhInit.Read(payload);

        using var ephemeral = CreateEphemeral();
        var serverPublic = _curve.Encode(ephemeral.ExportParameters(false).Q);
        var k = Agree(ephemeral, init.ClientPublic, "client");
        try
        {
            var h = ComputeHash(context, hostKeyBlob, init.ClientPublic, serverPublic, k);
            var signature = KexHostKey.Sign(context, h);
            using (var reply = new SshWriter(hostKeyBlob.Length + signature.Length + serverPublic.Length + 16))
            {
                new KexEcdhReply { HostKey = hostKeyBlob, ServerPublic = serverPublic, Signature = signature }.Write(reply);
                await KexWire.SendAsync(context, reply, cancellationToken).ConfigureAwait(false);
            }

            return new KexResult { SharedSecret = k, ExchangeHash = h, Hash = Hash, HostKey = context.HostKey!.PublicKey };
        }
        catch
        {
            CryptographicOperations.ZeroMemory(k);
            throw;
        }
    }

    private ECDiffieHellman CreateEphemeral()
    {
        if (FixedEphemeralKey is not { } d)
        {
            return ECDiffieHellman.Create(_curve.Curve);
        }

        var parameters = new ECParameters { Curve = _curve.Curve, D = (byte[])d.Clone() };
        try
        {
            return ECDiffieHellman.Create(parameters);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    /// <summary>Validates the peer's point (RFC 5656 section 4) and returns K = mpint(x of the shared point).</summary>
    private byte[] Agree(ECDiffieHellman ephemeral, byte[] peerPublic, string peer)
    {
        var q = _curve.DecodeAndValidate(peerPublic) ?? throw KexWire.Failed(
            $"{Name}: the {peer}'s public value is not an uncompressed point on {_curve.Curve.Oid.FriendlyName}");

        byte[] x;
        try
        {
            using var peerKey = ECDiffieHellman.Create(new ECParameters { Curve = _curve.Curve, Q = q });
            x = ephemeral.DeriveRawSecretAgreement(peerKey.PublicKey);
        }
        catch (CryptographicException e)
        {
            throw new SshException(DisconnectReason.KeyExchangeFailed, $"{Name}: the {peer}'s public value was refused", e);
        }

        try
        {
            using var k = new SshWriter(x.Length + 8) { Sensitive = true };
            k.WriteUnsignedMPInt(x);
            return k.ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(x);
        }
    }

    private byte[] ComputeHash(KexContext context, ReadOnlySpan<byte> hostKeyBlob, ReadOnlySpan<byte> clientPublic, ReadOnlySpan<byte> serverPublic, ReadOnlySpan<byte> k)
    {
        using var w = ExchangeHash.Begin(context, hostKeyBlob);
        w.WriteBinary(clientPublic).WriteBinary(serverPublic);
        return ExchangeHash.Finish(w, k, Hash);
    }
}
