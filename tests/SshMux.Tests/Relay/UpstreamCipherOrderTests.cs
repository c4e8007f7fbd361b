using SshMux.Relay;
using SshMux.Ssh.Algorithms;

namespace SshMux.Tests.Relay;

/// <summary>The upstream cipher preference: the same algorithms as the defaults, AES-GCM first only where the CPU has AES instructions.</summary>
public sealed class UpstreamCipherOrderTests
{
    [Fact]
    public void OffersExactlyTheDefaultCiphers() =>
        Assert.Equal(AlgorithmRegistry.DefaultCiphers.Order(StringComparer.Ordinal), UpstreamConnector.UpstreamCiphers.Order(StringComparer.Ordinal));

    [Fact]
    public void PutsAesGcmFirstOnlyWithAesInstructions()
    {
        var hardwareAes = System.Runtime.Intrinsics.X86.Aes.IsSupported || System.Runtime.Intrinsics.Arm.Aes.IsSupported;
        var first = UpstreamConnector.UpstreamCiphers[0];
        Assert.Equal(hardwareAes ? "aes128-gcm@openssh.com" : AlgorithmRegistry.DefaultCiphers[0], first);
    }
}
