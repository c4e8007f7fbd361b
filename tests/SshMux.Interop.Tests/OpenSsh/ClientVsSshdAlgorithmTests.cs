using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.OpenSsh;

// One class per category so xunit runs the categories in parallel; each case has its own sshd.

public class ClientVsSshdKexTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [MemberData(nameof(InteropAlgorithms.KexData), MemberType = typeof(InteropAlgorithms))]
    public Task KeyExchange(string kex) => _run.RunAsync(ct =>
        ClientVsSshd.HandshakeAsync(_run, new Expected(Kex: kex), "ssh-ed25519", ["KexAlgorithms " + kex], null, ct));
}

public class ClientVsSshdHostKeyTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [MemberData(nameof(InteropAlgorithms.HostKeyData), MemberType = typeof(InteropAlgorithms))]
    public Task HostKey(string algorithm) => _run.RunAsync(ct =>
        ClientVsSshd.HandshakeAsync(_run, new Expected(HostKey: algorithm), OurHostKeys.KeyTypeOf(algorithm),
            ["HostKeyAlgorithms " + algorithm], ClientVsSshd.ForHostKey(algorithm), ct));
}

public class ClientVsSshdCipherTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [MemberData(nameof(InteropAlgorithms.CipherData), MemberType = typeof(InteropAlgorithms))]
    public Task Cipher(string cipher) => _run.RunAsync(ct =>
        ClientVsSshd.HandshakeAsync(_run, new Expected(Cipher: cipher), "ssh-ed25519", ["Ciphers " + cipher], null, ct));
}

public class ClientVsSshdMacTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [MemberData(nameof(InteropAlgorithms.MacData), MemberType = typeof(InteropAlgorithms))]
    public Task Mac(string mac) => _run.RunAsync(ct =>
        ClientVsSshd.HandshakeAsync(_run, new Expected(Cipher: InteropAlgorithms.MacTestCipher, Mac: mac), "ssh-ed25519",
            ["Ciphers " + InteropAlgorithms.MacTestCipher, "MACs " + mac], null, ct));
}
