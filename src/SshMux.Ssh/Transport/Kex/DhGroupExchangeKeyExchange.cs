using System.Numerics;
using System.Security.Cryptography;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>
/// diffie-hellman-group-exchange-sha256 (RFC 4419, SHA-256 variant): the client asks for a
/// group size range, the server picks a safe prime, then an RFC 4253 style exchange runs over it.
/// </summary>
internal sealed class DhGroupExchangeKeyExchange(string? moduliPath) : KexMethod
{
    public const string MethodName = "diffie-hellman-group-exchange-sha256";

    public override string Name => MethodName;

    public override HashAlgorithmName Hash => HashAlgorithmName.SHA256;

    public override async Task<KexResult> RunClientAsync(KexContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.GexMin <= 0 || context.GexMin > context.GexPreferred || context.GexPreferred > context.GexMax)
        {
            throw new InvalidOperationException(
                $"Group exchange bounds must satisfy 0 < min <= preferred <= max (got {context.GexMin}, {context.GexPreferred}, {context.GexMax})");
        }

        var request = new KexDhGexRequest { Min = (uint)context.GexMin, Preferred = (uint)context.GexPreferred, Max = (uint)context.GexMax };
        using (var message = new SshWriter(16))
        {
            request.Write(message);
            await KexWire.SendAsync(context, message, cancellationToken).ConfigureAwait(false);
        }

        var groupPayload = await KexWire.ReceiveAsync(context, KexDhGexGroup.Number, "SSH_MSG_KEX_DH_GEX_GROUP", cancellationToken).ConfigureAwait(false);
        var groupMessage = KexDhGexGroup.Read(groupPayload);
        var group = CheckOfferedGroup(context, groupMessage);

        using var keyPair = DhKeyPair.Generate(group, FixedEphemeralKey);
        using (var init = new SshWriter(group.Modulus.ByteLength + 16))
        {
            new KexDhGexInit { E = keyPair.PublicValue }.Write(init);
            await KexWire.SendAsync(context, init, cancellationToken).ConfigureAwait(false);
        }

        var payload = await KexWire.ReceiveAsync(context, KexDhGexReply.Number, "SSH_MSG_KEX_DH_GEX_REPLY", cancellationToken).ConfigureAwait(false);
        var reply = KexDhGexReply.Read(payload);
        var (hostKey, certificate) = DecodeServerKey(context, reply.HostKey);

        var k = keyPair.Agree(reply.F, Name, "server");
        try
        {
            var h = ComputeHash(context, reply.HostKey, request, group, keyPair.PublicValue, reply.F, k);
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
        var requestPayload = await KexWire.ReceiveAsync(context, KexDhGexRequest.Number, "SSH_MSG_KEX_DH_GEX_REQUEST", cancellationToken).ConfigureAwait(false);
        var request = KexDhGexRequest.Read(requestPayload);

        // As OpenSSH's kexgex_server: refuse inconsistent bounds, then clamp to what we serve.
        // The hash keeps the values as the client sent them (RFC 4419 section 3).
        if (request.Max < request.Min || request.Preferred < request.Min || request.Max < request.Preferred || request.Max < DhModuli.MinimumBits)
        {
            throw KexWire.Failed(
                $"{Name}: unusable group size request min={request.Min} n={request.Preferred} max={request.Max}");
        }

        var min = (int)Math.Max(request.Min, DhModuli.MinimumBits);
        var max = (int)Math.Min(request.Max, DhModuli.MaximumBits);
        var wanted = (int)Math.Clamp(request.Preferred, (uint)DhModuli.MinimumBits, (uint)DhModuli.MaximumBits);
        if (min > max)
        {
            throw KexWire.Failed($"{Name}: no group size between {request.Min} and {request.Max} bits is served (limits {DhModuli.MinimumBits}-{DhModuli.MaximumBits})");
        }

        var group = await DhModuli.ChooseAsync(moduliPath, min, wanted, max, cancellationToken).ConfigureAwait(false);
        using (var groupMessage = new SshWriter(group.Prime.Length + 16))
        {
            new KexDhGexGroup { P = group.Prime, G = group.Generator }.Write(groupMessage);
            await KexWire.SendAsync(context, groupMessage, cancellationToken).ConfigureAwait(false);
        }

        var initPayload = await KexWire.ReceiveAsync(context, KexDhGexInit.Number, "SSH_MSG_KEX_DH_GEX_INIT", cancellationToken).ConfigureAwait(false);
        var init = KexDhGexInit.Read(initPayload);
        if (!group.IsValidPublic(init.E))
        {
            throw KexWire.Failed($"{Name}: the client's Diffie-Hellman public value is outside 1 < e < p-1");
        }

        using var keyPair = DhKeyPair.Generate(group, FixedEphemeralKey);
        var k = keyPair.Agree(init.E, Name, "client");
        try
        {
            var h = ComputeHash(context, hostKeyBlob, request, group, init.E, keyPair.PublicValue, k);
            var signature = KexHostKey.Sign(context, h);
            using (var reply = new SshWriter(hostKeyBlob.Length + signature.Length + group.Modulus.ByteLength + 16))
            {
                new KexDhGexReply { HostKey = hostKeyBlob, F = keyPair.PublicValue, Signature = signature }.Write(reply);
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

    /// <summary>
    /// The client accepts only a group inside the range it asked for and never one below 2048
    /// bits (RFC 8270 raised RFC 4419's minimum to 2048); p must be odd and 1 &lt; g &lt; p-1.
    /// </summary>
    private DhGroup CheckOfferedGroup(KexContext context, KexDhGexGroup offered)
    {
        var p = new BigInteger(offered.P, isUnsigned: true, isBigEndian: true);
        var bits = (int)p.GetBitLength();
        var floor = Math.Max(context.GexMin, DhModuli.MinimumBits);
        if (bits < floor || bits > context.GexMax)
        {
            throw KexWire.Failed(
                $"{Name}: the server offered a {bits}-bit group, outside the acceptable range {floor}-{context.GexMax} bits");
        }

        if (p.IsEven)
        {
            throw KexWire.Failed($"{Name}: the server's group modulus is even, so not a safe prime");
        }

        var g = new BigInteger(offered.G, isUnsigned: true, isBigEndian: true);
        if (g <= BigInteger.One || g >= p - BigInteger.One)
        {
            throw KexWire.Failed($"{Name}: the server's group generator is outside 1 < g < p-1");
        }

        return new DhGroup(offered.P, offered.G);
    }

    /// <summary>RFC 4419 section 3: H = HASH(V_C || V_S || I_C || I_S || K_S || min || n || max || p || g || e || f || K).</summary>
    private byte[] ComputeHash(KexContext context, ReadOnlySpan<byte> hostKeyBlob, KexDhGexRequest request, DhGroup group,
        ReadOnlySpan<byte> e, ReadOnlySpan<byte> f, ReadOnlySpan<byte> k)
    {
        using var w = ExchangeHash.Begin(context, hostKeyBlob);
        w.WriteUInt32(request.Min).WriteUInt32(request.Preferred).WriteUInt32(request.Max)
            .WriteUnsignedMPInt(group.Prime).WriteUnsignedMPInt(group.Generator)
            .WriteUnsignedMPInt(e).WriteUnsignedMPInt(f);
        return ExchangeHash.Finish(w, k, Hash);
    }
}
