namespace SshMux.Ssh.Transport.Kex;

/// <summary>What the concrete methods share beyond <see cref="KeyExchange"/>.</summary>
internal abstract class KexMethod : KeyExchange
{
    /// <summary>
    /// Known-answer tests only: a fixed ephemeral private key (X25519 scalar, EC private scalar D
    /// or DH exponent, big-endian) used instead of a fresh random one.
    /// </summary>
    internal byte[]? FixedEphemeralKey { get; init; }
}
