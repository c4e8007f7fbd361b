using System.Collections.Concurrent;
using SshMux.Prompts;
using SshMux.Routing;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Trust;

namespace SshMux.Tests.Trust;

/// <summary>A known_hosts file in a temp directory, a HostKeyTrust over it, and what it logged.</summary>
internal sealed class TrustRig : IDisposable
{
    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("sshmux-trust-").FullName;

    public TrustRig(string knownHosts = "", bool hash = false, IPromptBroker? prompts = null, string? pinFile = null, DateTimeOffset? now = null)
    {
        KnownHosts = pinFile ?? Path.Combine(_directory, "known_hosts");
        if (pinFile is null)
        {
            File.WriteAllText(KnownHosts, knownHosts);
        }

        Options = new HostKeyTrustOptions
        {
            UserKnownHostsFile = KnownHosts,
            KnownHostsFiles = [KnownHosts, Path.Combine(_directory, "global_known_hosts")],
            HashKnownHosts = hash,
            Clock = now is null ? null : () => now.Value,
        };
        Trust = new HostKeyTrust(Options, prompts, (level, message) => Log.Enqueue($"{level}: {message}"));
    }

    public string Directory => _directory;

    public string KnownHosts { get; }

    public string GlobalKnownHosts => Path.Combine(_directory, "global_known_hosts");

    public HostKeyTrustOptions Options { get; }

    public HostKeyTrust Trust { get; }

    public ConcurrentQueue<string> Log { get; } = new();

    public string LogText => string.Join("\n", Log);

    public static RouteHop Hop(string host, int port, HostKeyPolicy policy) => new(host, port, "deploy", [], HostKeyPolicy: policy);

    public ValueTask<bool> VerifyAsync(RouteHop hop, SshPublicKey key, SshCertificate? certificate = null) =>
        Trust.VerifyAsync(new HostKeyCheck("web", hop, new HostKeyVerification(key, certificate?.KeyType ?? key.KeyType, "SSH-2.0-OpenSSH_9.2", certificate)), CancellationToken.None);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
