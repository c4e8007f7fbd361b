using System.Security.Cryptography;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>
/// What a key exchange method needs from the transport: the hash inputs shared by every
/// method (RFC 4253 section 8) and a way to send and receive its own messages. The
/// transport filters IGNORE/DEBUG/UNIMPLEMENTED before they reach <see cref="ReceiveAsync"/>
/// and rejects anything outside the KEX range (30-49) during key exchange.
/// </summary>
public sealed class KexContext
{
    /// <summary>V_C and V_S: identification strings without CR LF.</summary>
    public required byte[] ClientVersion { get; init; }

    public required byte[] ServerVersion { get; init; }

    /// <summary>I_C and I_S: the KEXINIT payloads as sent, starting with the message number 20.</summary>
    public required byte[] ClientKexInit { get; init; }

    public required byte[] ServerKexInit { get; init; }

    /// <summary>Negotiated host key (signature) algorithm, e.g. "rsa-sha2-256".</summary>
    public required string HostKeyAlgorithm { get; init; }

    /// <summary>Server role only: the host key matching <see cref="HostKeyAlgorithm"/>.</summary>
    public SshPrivateKey? HostKey { get; init; }

    /// <summary>
    /// Server role, certificate algorithms only: the certificate of <see cref="HostKey"/> sent as
    /// K_S (PROTOCOL.certkeys); the exchange hash is still signed with <see cref="HostKey"/>.
    /// </summary>
    public SshCertificate? HostCertificate { get; init; }

    /// <summary>Sends one message payload (first byte is the message number).</summary>
    public required Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> SendAsync { get; init; }

    /// <summary>Receives the next key exchange message payload.</summary>
    public required Func<CancellationToken, ValueTask<byte[]>> ReceiveAsync { get; init; }

    /// <summary>Group exchange bounds (RFC 4419) the client asks for.</summary>
    public int GexMin { get; init; } = 2048;

    public int GexPreferred { get; init; } = 3072;

    public int GexMax { get; init; } = 8192;
}

/// <summary>What a finished key exchange hands back to the transport.</summary>
public sealed class KexResult : IDisposable
{
    /// <summary>K encoded as an mpint (with its length prefix), as key derivation hashes it.</summary>
    public required byte[] SharedSecret { get; init; }

    /// <summary>The exchange hash H.</summary>
    public required byte[] ExchangeHash { get; init; }

    public required HashAlgorithmName Hash { get; init; }

    /// <summary>The server's host key; on the client side its signature over H has been verified.</summary>
    public required SshPublicKey HostKey { get; init; }

    /// <summary>When K_S was a host certificate: the certificate (its CA signature checked, nothing else); <see cref="HostKey"/> is its certified key.</summary>
    public SshCertificate? HostCertificate { get; init; }

    public void Dispose() => CryptographicOperations.ZeroMemory(SharedSecret);
}

/// <summary>One key exchange method, run once per (re-)key exchange.</summary>
public abstract class KeyExchange
{
    public abstract string Name { get; }

    public abstract HashAlgorithmName Hash { get; }

    /// <summary>Client side; throws <see cref="SshException"/> (KeyExchangeFailed / HostKeyNotVerifiable) on failure.</summary>
    public abstract Task<KexResult> RunClientAsync(KexContext context, CancellationToken cancellationToken);

    public abstract Task<KexResult> RunServerAsync(KexContext context, CancellationToken cancellationToken);
}
