using SshMux.Ssh.Algorithms;

namespace SshMux.Interop.Tests;

/// <summary>An algorithm added to the registry must get interop cases against OpenSSH.</summary>
public class CoverageTests
{
    [Fact]
    public void EveryRegistryAlgorithmHasInteropCases()
    {
        Assert.Empty(AlgorithmRegistry.KeyExchanges.Except(InteropAlgorithms.KeyExchanges));
        Assert.Empty(AlgorithmRegistry.HostKeys.Select(h => h.Name).Except(InteropAlgorithms.HostKeys));
        Assert.Empty(AlgorithmRegistry.Ciphers.Select(c => c.Name).Except(InteropAlgorithms.Ciphers));
        Assert.Empty(AlgorithmRegistry.Macs.Select(m => m.Name).Except(InteropAlgorithms.Macs));
    }

    [Fact]
    public void DropbearCasesAreRegistryAlgorithms()
    {
        Assert.Empty(InteropAlgorithms.DropbearKeyExchanges.Except(AlgorithmRegistry.KeyExchanges));
        Assert.Empty(InteropAlgorithms.DropbearHostKeys.Except(AlgorithmRegistry.HostKeys.Select(h => h.Name)));
        Assert.Empty(InteropAlgorithms.DropbearCiphers.Except(AlgorithmRegistry.Ciphers.Select(c => c.Name)));
    }
}
