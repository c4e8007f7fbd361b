namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// What OpenSSH's debug log (ssh -vvv, or sshd at LogLevel DEBUG3) says about one key
/// exchange. The lines come from kex.c (kex_choose_conf) and sshconnect2.c in OpenSSH 9.x:
/// <code>
/// debug1: kex: algorithm: curve25519-sha256
/// debug1: kex: host key algorithm: ssh-ed25519
/// debug1: kex: server->client cipher: aes128-ctr MAC: hmac-sha2-256 compression: none
/// debug1: kex: client->server cipher: chacha20-poly1305@openssh.com MAC: &lt;implicit&gt; compression: none
/// debug3: kex_choose_conf: will use strict KEX ordering
/// debug1: Server host key: ssh-ed25519 SHA256:...
/// debug1: SSH2_MSG_SERVICE_ACCEPT received
/// </code>
/// sshd appends " [preauth]" to lines logged by its unprivileged child.
/// </summary>
public sealed record OpenSshKexLog
{
    /// <summary>MAC name OpenSSH prints for an AEAD cipher.</summary>
    public const string ImplicitMac = "<implicit>";

    public string? KeyExchange { get; init; }

    public string? HostKeyAlgorithm { get; init; }

    public string? CipherClientToServer { get; init; }

    public string? MacClientToServer { get; init; }

    public string? CipherServerToClient { get; init; }

    public string? MacServerToClient { get; init; }

    public bool StrictKex { get; init; }

    /// <summary>"ssh-ed25519 SHA256:..." as ssh printed it (client log only).</summary>
    public string? ServerHostKey { get; init; }

    public bool ServiceAccepted { get; init; }

    /// <summary>server-sig-algs as ssh received it in SSH_MSG_EXT_INFO (client log only).</summary>
    public string? ServerSigAlgs { get; init; }

    /// <summary>How many times "kex: algorithm:" appears: one per key exchange.</summary>
    public int KeyExchanges { get; init; }

    public static OpenSshKexLog Parse(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var log = new OpenSshKexLog();
        foreach (var raw in lines)
        {
            var line = StripPrefix(raw);
            if (line.EndsWith(" [preauth]", StringComparison.Ordinal))
            {
                line = line[..^" [preauth]".Length];
            }

            if (After(line, "kex: algorithm: ") is { } kex)
            {
                log = log with { KeyExchange = kex, KeyExchanges = log.KeyExchanges + 1 };
            }
            else if (After(line, "kex: host key algorithm: ") is { } hostKey)
            {
                log = log with { HostKeyAlgorithm = hostKey };
            }
            else if (After(line, "kex: client->server ") is { } cs)
            {
                var (cipher, mac) = ParseDirection(cs, raw);
                log = log with { CipherClientToServer = cipher, MacClientToServer = mac };
            }
            else if (After(line, "kex: server->client ") is { } sc)
            {
                var (cipher, mac) = ParseDirection(sc, raw);
                log = log with { CipherServerToClient = cipher, MacServerToClient = mac };
            }
            else if (line.EndsWith("will use strict KEX ordering", StringComparison.Ordinal))
            {
                log = log with { StrictKex = true };
            }
            else if (After(line, "Server host key: ") is { } key)
            {
                log = log with { ServerHostKey = key };
            }
            else if (line == "SSH2_MSG_SERVICE_ACCEPT received")
            {
                log = log with { ServiceAccepted = true };
            }
            else if (After(line, "kex_input_ext_info: server-sig-algs=<") is { } sigAlgs)
            {
                log = log with { ServerSigAlgs = sigAlgs.TrimEnd('>') };
            }
        }

        return log;
    }

    /// <summary>"cipher: X MAC: Y compression: Z" into (X, Y).</summary>
    private static (string Cipher, string Mac) ParseDirection(string text, string raw)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 6 || parts[0] != "cipher:" || parts[2] != "MAC:" || parts[4] != "compression:")
        {
            throw new FormatException("Unrecognised OpenSSH kex line: " + raw);
        }

        return (parts[1], parts[3]);
    }

    private static string? After(string line, string prefix) =>
        line.StartsWith(prefix, StringComparison.Ordinal) ? line[prefix.Length..] : null;

    /// <summary>Drops "debugN: " (ssh) and any "sshd[pid]: " style prefix.</summary>
    private static string StripPrefix(string line)
    {
        var debug = line.IndexOf("debug", StringComparison.Ordinal);
        if (debug >= 0)
        {
            var colon = line.IndexOf(": ", debug, StringComparison.Ordinal);
            if (colon > 0 && colon - debug <= 6)
            {
                return line[(colon + 2)..];
            }
        }

        return line;
    }
}
