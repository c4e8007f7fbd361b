using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Algorithms;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.OpenSsh;

/// <summary>ssh offering nothing our server implements: both sides say so, naming both lists.</summary>
public class SshVsServerRefusalTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    /// <summary>ssh -o options, what fails (ours, then ssh's wording), ssh's offer.</summary>
    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "KexAlgorithms=diffie-hellman-group14-sha1", "key exchange algorithm", "key exchange method", "diffie-hellman-group14-sha1" },
        { "HostKeyAlgorithms=ssh-dss", "host key algorithm", "host key type", "ssh-dss" },
        { "Ciphers=aes128-cbc", "cipher (client to server)", "cipher", "aes128-cbc" },
        { "MACs=hmac-sha1", "MAC (client to server)", "MAC", "hmac-sha1" },
    };

    [PeerTheory(Peers.Ssh)]
    [MemberData(nameof(Cases))]
    public Task ErrorNamesBothLists(string sshOption, string what, string sshWhat, string theirs) => _run.RunAsync(async ct =>
    {
        await using var server = OurServer.Start(_run, o => o.Ciphers = ["aes128-ctr", "aes256-ctr"]);
        var ssh = await OpenSshClient.RunAsync(_run, server.Port, sshOption);
        var connection = await server.NextConnectionAsync(TimeSpan.FromSeconds(10));

        // Our server's error lists what ssh offered and what we offered (a name from each list).
        var ours = what switch
        {
            "key exchange algorithm" => "curve25519-sha256",
            "host key algorithm" => "ssh-ed25519",
            "cipher (client to server)" => "aes256-ctr",
            _ => AlgorithmRegistry.DefaultMacs[0],
        };
        InteropAssert.NamesBothLists(connection.Error, what, [ours], [theirs]);

        // ssh: "Unable to negotiate with 127.0.0.1 port N: no matching cipher found. Their offer: ..."
        Assert.Equal(255, ssh.ExitCode);
        var line = ssh.Process.Lines.FirstOrDefault(l => l.Contains("Unable to negotiate", StringComparison.Ordinal));
        Assert.NotNull(line);
        Assert.Contains($"no matching {sshWhat} found", line, StringComparison.Ordinal);
        Assert.Contains("Their offer: ", line, StringComparison.Ordinal);
        Assert.Contains(ours, line[line.IndexOf("Their offer: ", StringComparison.Ordinal)..], StringComparison.Ordinal);
    });
}
