using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Transport;

/// <summary>Settings shared by both roles of the transport.</summary>
public abstract class SshTransportOptions
{
    public const string DefaultSoftwareVersion = "ssh_mux_0.1";

    /// <summary>softwareversion of our identification string (no spaces, no '-').</summary>
    public string SoftwareVersion { get; set; } = DefaultSoftwareVersion;

    public string? IdentificationComments { get; set; }

    public IReadOnlyList<string> KeyExchangeAlgorithms { get; set; } = AlgorithmRegistry.KeyExchanges;

    public IReadOnlyList<string> HostKeyAlgorithms { get; set; } = AlgorithmRegistry.DefaultHostKeyAlgorithms;

    public IReadOnlyList<string> Ciphers { get; set; } = AlgorithmRegistry.DefaultCiphers;

    public IReadOnlyList<string> Macs { get; set; } = AlgorithmRegistry.DefaultMacs;

    /// <summary>Offer strict key exchange (the Terrapin counter-measure). On by default as in OpenSSH 9.6+.</summary>
    public bool StrictKex { get; set; } = true;

    /// <summary>Time allowed for the peer's identification string.</summary>
    public TimeSpan VersionExchangeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed from connect until the first key exchange has finished.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Re-key after this many bytes in either direction (counted on the wire).</summary>
    public long RekeyBytes { get; set; } = 1L << 30;

    /// <summary>Re-key after this long since the last key exchange.</summary>
    public TimeSpan RekeyInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Time allowed for any one re-key exchange to finish once started.</summary>
    public TimeSpan RekeyTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public SshLog? Log { get; set; }

    /// <summary>Group exchange sizes (RFC 4419) a client asks for.</summary>
    public int GexMin { get; set; } = 2048;

    public int GexPreferred { get; set; } = 3072;

    public int GexMax { get; set; } = 8192;

    internal void Validate()
    {
        Check(KeyExchangeAlgorithms, "key exchange", AlgorithmRegistry.IsKeyExchange);
        Check(HostKeyAlgorithms, "host key", n => AlgorithmRegistry.FindHostKey(n) is not null);
        Check(Ciphers, "cipher", n => AlgorithmRegistry.FindCipher(n) is not null);
        Check(Macs, "MAC", n => AlgorithmRegistry.FindMac(n) is not null);
    }

    private static void Check(IReadOnlyList<string> list, string what, Func<string, bool> known)
    {
        if (list.Count == 0)
        {
            throw new ArgumentException($"The {what} algorithm list is empty");
        }

        foreach (var name in list)
        {
            if (!known(name))
            {
                throw new ArgumentException($"Unknown {what} algorithm \"{name}\"");
            }
        }
    }
}

/// <summary>What a client is told about the server's host key on the first key exchange.</summary>
/// <param name="HostKey">The key that signed the exchange hash (for a certificate, its certified key).</param>
/// <param name="Algorithm">The negotiated host key algorithm, e.g. ssh-ed25519-cert-v01@openssh.com.</param>
/// <param name="Certificate">
/// The server's host certificate when a *-cert-v01@openssh.com algorithm was negotiated: decoded
/// and its CA signature checked, but its CA, type, principals and validity are for the verifier to judge.
/// </param>
public sealed record HostKeyVerification(SshPublicKey HostKey, string Algorithm, string ServerVersion, SshCertificate? Certificate = null);

public sealed class SshClientOptions : SshTransportOptions
{
    /// <summary>
    /// Decides whether the server's host key is trusted. Null refuses every key: the client
    /// fails closed unless a caller says how keys are checked.
    /// </summary>
    public Func<HostKeyVerification, CancellationToken, ValueTask<bool>>? HostKeyVerifier { get; set; }

    /// <summary>Allows the SHA-1 "ssh-rsa" host key signature algorithm (off by default, as in OpenSSH 8.8+).</summary>
    public bool EnableSshRsaSha1 { get; set; }
}

public sealed class SshServerOptions : SshTransportOptions
{
    public IReadOnlyList<SshPrivateKey> HostKeys { get; set; } = [];

    /// <summary>
    /// Host certificates for keys in <see cref="HostKeys"/> (sshd's HostCertificate). A
    /// certificate algorithm in <see cref="SshTransportOptions.HostKeyAlgorithms"/> is offered
    /// only when a certificate of its type certifies one of the host keys.
    /// </summary>
    public IReadOnlyList<SshCertificate> HostCertificates { get; set; } = [];

    /// <summary>Services a client may request; ssh-userauth by default (RFC 4253 section 10).</summary>
    public IReadOnlyList<string> Services { get; set; } = ["ssh-userauth"];

    /// <summary>Signature algorithms advertised in server-sig-algs (RFC 8308 section 3.1).</summary>
    public IReadOnlyList<string> ServerSignatureAlgorithms { get; set; } =
        ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256"];

    /// <summary>
    /// Extensions sent in SSH_MSG_EXT_INFO after server-sig-algs. By default ssh-mux's
    /// authentication layer announces host-bound publickey authentication (OpenSSH PROTOCOL 3.1).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> AdditionalExtensions { get; set; } =
        [new("publickey-hostbound@openssh.com", "0")];
}
