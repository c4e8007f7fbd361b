using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.OpenSsh;

// One class per category so xunit runs the categories in parallel; each case has its own server.

public class SshVsServerKexTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Ssh)]
    [MemberData(nameof(InteropAlgorithms.KexData), MemberType = typeof(InteropAlgorithms))]
    public Task KeyExchange(string kex) => _run.RunAsync(ct =>
        SshVsServer.HandshakeAsync(_run, new Expected(Kex: kex), null, ct, "KexAlgorithms=" + kex));
}

public class SshVsServerHostKeyTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Ssh)]
    [MemberData(nameof(InteropAlgorithms.HostKeyData), MemberType = typeof(InteropAlgorithms))]
    public Task HostKey(string algorithm) => _run.RunAsync(ct =>
        SshVsServer.HandshakeAsync(_run, new Expected(HostKey: algorithm), SshVsServer.AllHostKeys, ct, "HostKeyAlgorithms=" + algorithm));
}

public class SshVsServerCipherTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Ssh)]
    [MemberData(nameof(InteropAlgorithms.CipherData), MemberType = typeof(InteropAlgorithms))]
    public Task Cipher(string cipher) => _run.RunAsync(ct =>
        SshVsServer.HandshakeAsync(_run, new Expected(Cipher: cipher), null, ct, "Ciphers=" + cipher));
}

public class SshVsServerMacTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Ssh)]
    [MemberData(nameof(InteropAlgorithms.MacData), MemberType = typeof(InteropAlgorithms))]
    public Task Mac(string mac) => _run.RunAsync(ct =>
        SshVsServer.HandshakeAsync(_run, new Expected(Cipher: InteropAlgorithms.MacTestCipher, Mac: mac), null, ct,
            "Ciphers=" + InteropAlgorithms.MacTestCipher, "MACs=" + mac));
}
