using System.Security.Cryptography;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>One side's ephemeral finite-field DH key: a secret exponent x and the public g^x mod p.</summary>
internal sealed class DhKeyPair : IDisposable
{
    private readonly DhGroup _group;
    private readonly byte[] _exponent;

    private DhKeyPair(DhGroup group, byte[] exponent, byte[] publicValue)
    {
        _group = group;
        _exponent = exponent;
        PublicValue = publicValue;
    }

    /// <summary>g^x mod p as an unsigned big-endian magnitude without leading zeros.</summary>
    public byte[] PublicValue { get; }

    /// <summary>
    /// Draws x with <see cref="DhGroup.ExponentBits"/> bits from the OS CSPRNG, top bit set so
    /// that 1 &lt; x and every exponent has the same length (the exponentiation time depends on it).
    /// A public value that fails the range check is drawn again, as OpenSSH's dh_gen_key does.
    /// </summary>
    public static DhKeyPair Generate(DhGroup group, byte[]? fixedExponent = null)
    {
        var exponentBytes = (group.ExponentBits + 7) / 8;
        var buffer = new byte[group.Modulus.ByteLength];
        try
        {
            for (var attempt = 0; attempt < 8; attempt++)
            {
                byte[] exponent;
                if (fixedExponent is not null)
                {
                    exponent = (byte[])fixedExponent.Clone();
                }
                else
                {
                    exponent = new byte[exponentBytes];
                    RandomNumberGenerator.Fill(exponent);
                    var topBit = (group.ExponentBits - 1) % 8;
                    exponent[0] &= (byte)((2 << topBit) - 1);
                    exponent[0] |= (byte)(1 << topBit);
                }

                group.Modulus.Pow(group.Generator, exponent, buffer);
                var start = buffer.AsSpan().IndexOfAnyExcept((byte)0);
                var publicValue = start < 0 ? [] : buffer.AsSpan(start).ToArray();
                if (group.IsValidPublic(publicValue))
                {
                    return new DhKeyPair(group, exponent, publicValue);
                }

                CryptographicOperations.ZeroMemory(exponent);
                if (fixedExponent is not null)
                {
                    break;
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }

        throw KexWire.Failed("Could not generate a valid Diffie-Hellman public value");
    }

    /// <summary>
    /// Checks the peer's public value (1 &lt; y &lt; p-1, RFC 8268 section 4) and returns
    /// K = y^x mod p encoded as an mpint with its length prefix. K in {0, 1, p-1} is refused too:
    /// impossible with a safe prime, but a group-exchange client cannot prove the server's p is one.
    /// </summary>
    public byte[] Agree(ReadOnlySpan<byte> peerPublic, string method, string peer)
    {
        if (!_group.IsValidPublic(peerPublic))
        {
            throw KexWire.Failed($"{method}: the {peer}'s Diffie-Hellman public value is outside 1 < y < p-1");
        }

        var secret = new byte[_group.Modulus.ByteLength];
        try
        {
            _group.Modulus.Pow(peerPublic, _exponent, secret);
            if (IsDegenerate(secret))
            {
                throw KexWire.Failed($"{method}: the {peer}'s Diffie-Hellman public value gives a degenerate shared secret");
            }

            using var k = new SshWriter(secret.Length + 8) { Sensitive = true };
            k.WriteUnsignedMPInt(secret);
            return k.ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_exponent);

    /// <summary>Compares K with 0, 1 and p-1 without branching on its bytes; only the verdict shows.</summary>
    private bool IsDegenerate(ReadOnlySpan<byte> secret)
    {
        var differsFromZero = 0;
        var differsFromOne = secret[^1] ^ 1;
        for (var i = 0; i < secret.Length - 1; i++)
        {
            differsFromZero |= secret[i];
            differsFromOne |= secret[i];
        }

        differsFromZero |= secret[^1];
        var differsFromPMinusOne = CryptographicOperations.FixedTimeEquals(secret, _group.PrimeMinusOne) ? 0 : 1;
        return differsFromZero == 0 || differsFromOne == 0 || differsFromPMinusOne == 0;
    }
}
