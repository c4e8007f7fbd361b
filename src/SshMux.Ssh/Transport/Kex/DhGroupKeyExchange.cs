using System.Security.Cryptography;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>
/// diffie-hellman-group14-sha256, -group16-sha512 and -group18-sha512 (RFC 8268 section 3):
/// the RFC 4253 section 8 exchange over a fixed RFC 3526 group.
/// </summary>
internal sealed class DhGroupKeyExchange : KexMethod
{
    private readonly DhGroup _group;

    public DhGroupKeyExchange(string name)
    {
        Name = name;
        (_group, Hash) = name switch
        {
            "diffie-hellman-group14-sha256" => (DhGroups.Group14, HashAlgorithmName.SHA256),
            "diffie-hellman-group16-sha512" => (DhGroups.Group16, HashAlgorithmName.SHA512),
            "diffie-hellman-group18-sha512" => (DhGroups.Group18, HashAlgorithmName.SHA512),
            _ => throw new ArgumentException($"Not a fixed-group Diffie-Hellman key exchange: {name}", nameof(name)),
        };
    }

    public override string Name { get; }

    public override HashAlgorithmName Hash { get; }

    public override async Task<KexResult> RunClientAsync(KexContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var keyPair = DhKeyPair.Generate(_group, FixedEphemeralKey);
        using (var init = new SshWriter(_group.Modulus.ByteLength + 16))
        {
            new KexDhInit { E = keyPair.PublicValue }.Write(init);
            await KexWire.SendAsync(context, init, cancellationToken).ConfigureAwait(false);
        }

        var payload = await KexWire.ReceiveAsync(context, KexDhReply.Number, "SSH_MSG_KEXDH_REPLY", cancellationToken).ConfigureAwait(false);
        var reply = KexDhReply.Read(payload);
        var (hostKey, certificate) = DecodeServerKey(context, reply.HostKey);

        var k = keyPair.Agree(reply.F, Name, "server");
        try
        {
            var h = ComputeHash(context, reply.HostKey, keyPair.PublicValue, reply.F, k);
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
        var payload = await KexWire.ReceiveAsync(context, KexDhInit.Number, "SSH_MSG_KEXDH_INIT", cancellationToken).ConfigureAwait(false);
        var init = KexDhInit.Read(payload);

        // Check e before spending an exponentiation on our own key.
        if (!_group.IsValidPublic(init.E))
        {
            throw KexWire.Failed($"{Name}: the client's Diffie-Hellman public value is outside 1 < e < p-1");
        }

        using var keyPair = DhKeyPair.Generate(_group, FixedEphemeralKey);
        var k = keyPair.Agree(init.E, Name, "client");
        try
        {
            var h = ComputeHash(context, hostKeyBlob, init.E, keyPair.PublicValue, k);
            var signature = KexHostKey.Sign(context, h);
            using (var reply = new SshWriter(hostKeyBlob.Length + signature.Length + _group.Modulus.ByteLength + 16))
            {
                new KexDhReply { HostKey = hostKeyBlob, F = keyPair.PublicValue, Signature = signature }.Write(reply);
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

    /// <summary>RFC 4253 section 8: H = HASH(V_C || V_S || I_C || I_S || K_S || e || f || K).</summary>
    private byte[] ComputeHash(KexContext context, ReadOnlySpan<byte> hostKeyBlob, ReadOnlySpan<byte> e, ReadOnlySpan<byte> f, ReadOnlySpan<byte> k)
    {
        using var w = ExchangeHash.Begin(context, hostKeyBlob);
        w.WriteUnsignedMPInt(e).WriteUnsignedMPInt(f);
        return ExchangeHash.Finish(w, k, Hash);
    }
}
