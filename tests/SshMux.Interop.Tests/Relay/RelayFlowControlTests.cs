using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Relay;

/// <summary>Backpressure: a slow local reader holds the upstream back instead of filling serve's memory.</summary>
[Collection(RelayTestGroup.Name)]
public class RelayFlowControlTests(ITestOutputHelper output)
{
    // 300 MB rather than 1 GB: at the relay's speed in a Debug build on a shared two-core
    // machine (about 25 MB/s measured) the drain of 1 GB alone would take most of a minute.
    // The slow phase is long enough that unbounded buffering at that speed would pass the
    // growth limit several times over.
    private const long Total = 300_000_000;
    private const long GrowthLimit = 100L * 1024 * 1024;
    private const long AbsoluteLimit = 300L * 1024 * 1024;
    private static readonly TimeSpan SlowPhase = TimeSpan.FromSeconds(8);
    private readonly InteropRun _run = new(output);

    /// <summary>
    /// ssh host 'head -c 300000000 /dev/zero' with the test reading ssh's stdout at 160 KB/s
    /// for 8 s: serve's resident memory stays within 100 MB of what it was before (and under
    /// 300 MB) while nearly all the data is still pending; then the rest is drained and
    /// every byte arrives.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task SlowReaderKeepsServeMemoryBounded() => _run.RunAsync(async ct =>
    {
        await using var rig = await RelayRig.StartAsync(_run);

        // Open the upstream first, so the baseline includes it.
        var warm = await rig.SshAsync("true");
        Assert.True(warm.ExitCode == 0, warm.ToString());
        var baseline = rig.Serve.ResidentBytes;

        await using var ssh = await rig.StartSessionAsync($"echo started; exec head -c {Total} /dev/zero", "started\n", ct);
        var buffer = new byte[16 * 1024];
        long read = 0;
        long peak = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < SlowPhase)
        {
            var n = await ssh.Stdout.ReadAsync(buffer, ct);
            Assert.True(n > 0, "ssh's output ended early: " + ssh.StderrText);
            read += n;
            peak = Math.Max(peak, rig.Serve.ResidentBytes);
            await Task.Delay(100, ct);
        }

        _run.Note($"serve VmRSS baseline {baseline / 1024} KB, peak while slow {peak / 1024} KB; {read} bytes read slowly");
        var pending = Total - read;
        Assert.True(read < Total / 10, $"only {read} of {Total} bytes should have been read slowly");
        Assert.False(ssh.HasExited, "ssh finished although most of its output was unread");
        Assert.True(peak - baseline < GrowthLimit, $"serve grew from {baseline / 1024} KB to {peak / 1024} KB while the reader was slow");
        Assert.True(peak < AbsoluteLimit, $"serve's VmRSS reached {peak / 1024} KB");

        var big = new byte[1024 * 1024];
        while (true)
        {
            var n = await ssh.Stdout.ReadAsync(big, ct);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        Assert.Equal(0, await ssh.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(Total, read);
        output.WriteLine($"serve VmRSS: {baseline / 1024} KB before, at most {peak / 1024} KB while {pending} bytes were pending behind a slow reader; "
            + $"{Total} bytes in {clock.Elapsed.TotalSeconds:0.0} s in all");
    }, TimeSpan.FromSeconds(180));
}
