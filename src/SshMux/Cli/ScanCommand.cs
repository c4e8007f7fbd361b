using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using SshMux.Scan;
using SshMux.Ssh.Keys;

namespace SshMux.Cli;

/// <summary>`ssh-mux scan HOST[:PORT]`: what an SSH server offers and which host keys it has.</summary>
internal static class ScanCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("host") { Description = "HOST[:PORT] or [IPv6]:PORT of the SSH server (port 22 by default)" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each connection and handshake", DefaultValueFactory = _ => 10 };
        var command = new Command("scan", "Connect to an SSH server, complete key exchange, and show its identification, algorithms and host key fingerprints (no authentication)")
        {
            target,
            timeout,
        };
        command.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(target)!;
            if (!HostPort.TryParse(text, 22, out var hp, out var error))
            {
                await Console.Error.WriteLineAsync("ssh-mux scan: " + error).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var seconds = parse.GetValue(timeout);
            if (seconds is < 1 or > 3600)
            {
                await Console.Error.WriteLineAsync("ssh-mux scan: --timeout must be between 1 and 3600 seconds").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await RunAsync(hp, TimeSpan.FromSeconds(seconds), Console.Out, Console.Error, ct).ConfigureAwait(false);
        });
        return command;
    }

    public static async Task<int> RunAsync(HostPort target, TimeSpan timeout, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ScanResult result;
        try
        {
            result = await new HostScanner(target.Host, target.Port, timeout).ScanAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ScanException e)
        {
            var message = e.Reached ? $"ssh-mux scan: {target} does not complete an SSH handshake: {e.Message}" : "ssh-mux scan: " + e.Message;
            await errors.WriteLineAsync(message).ConfigureAwait(false);
            return e.Reached ? ExitCodes.ProtocolFailure : ExitCodes.Unreachable;
        }

        await output.WriteAsync(Format(target, result)).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    internal static string Format(HostPort target, ScanResult result)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"{target}  {result.Identification}");
        foreach (var line in result.Preamble)
        {
            w.WriteLine($"  banner: {Ssh.Transport.VersionExchange.Printable(line)}");
        }

        w.WriteLine();
        w.WriteLine("Server offers");
        var o = result.Offered;
        Row(w, "kex", Join(o.KexAlgorithms));
        Row(w, "host keys", Join(o.ServerHostKeyAlgorithms));
        Row(w, "ciphers", Pair(o.EncryptionClientToServer, o.EncryptionServerToClient));
        Row(w, "MACs", Pair(o.MacClientToServer, o.MacServerToClient));
        Row(w, "compression", Pair(o.CompressionClientToServer, o.CompressionServerToClient));
        w.WriteLine();
        w.WriteLine("Negotiated with ssh-mux's defaults");
        var n = result.Negotiated;
        Row(w, "kex", n.KeyExchange + (result.StrictKex ? " (strict kex)" : " (no strict kex: the server lacks the Terrapin counter-measure)"));
        Row(w, "host key", n.HostKey);
        Row(w, "cipher", n.CipherClientToServer == n.CipherServerToClient ? n.CipherClientToServer : $"{n.CipherClientToServer} / {n.CipherServerToClient}");
        Row(w, "MAC", n.MacClientToServer is null ? "(implicit in the AEAD cipher)" : n.MacClientToServer == n.MacServerToClient ? n.MacClientToServer : $"{n.MacClientToServer} / {n.MacServerToClient}");
        w.WriteLine();
        w.WriteLine("Host keys");
        foreach (var key in result.HostKeys)
        {
            w.WriteLine($"  {key.Key.KeyType,-21} {Sha256Fingerprint(key.Key)}  {Md5Fingerprint(key.Key)}");
        }

        foreach (var failure in result.Failures)
        {
            w.WriteLine($"  (not collected) {failure}");
        }

        w.WriteLine();
        w.WriteLine("known_hosts lines");
        var name = target.Port == 22 ? target.Host : $"[{target.Host}]:{target.Port}";
        foreach (var key in result.HostKeys)
        {
            w.WriteLine($"{name} {key.Key.KeyType} {Convert.ToBase64String(key.Key.Blob.Span)}");
        }

        return w.ToString();
    }

    private static string Sha256Fingerprint(SshPublicKey key) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(key.Blob.Span)).TrimEnd('=');

#pragma warning disable CA5351 // MD5 fingerprints are shown only because ssh-keygen -E md5 prints them too.
    private static string Md5Fingerprint(SshPublicKey key) => "MD5:" + string.Join(':', MD5.HashData(key.Blob.Span).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
#pragma warning restore CA5351

    private static string Join(IReadOnlyList<string> list) => list.Count == 0 ? "(none)" : string.Join(", ", list);

    private static string Pair(IReadOnlyList<string> cs, IReadOnlyList<string> sc) => cs.SequenceEqual(sc) ? Join(cs) : $"client->server: {Join(cs)}; server->client: {Join(sc)}";

    private static void Row(StringWriter w, string label, string value) => w.WriteLine($"  {label,-12} {value}");

}
