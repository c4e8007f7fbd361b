using SshMux.Pool;

namespace SshMux.Tests.Gateway;

/// <summary>The reaper runs often enough for short --timeout and --max-lifetime values to mean what they say.</summary>
public sealed class PoolReapIntervalTests
{
    [Theory]
    [InlineData(600, 43200, 30_000)]
    [InlineData(2, 43200, 500)]
    [InlineData(600, 8, 2_000)]
    [InlineData(600, 0, 30_000)]
    [InlineData(0.1, 0, 250)]
    public void TheReaperRunsAtLeastFourTimesPerIdleTimeoutOrLifetime(double idleSeconds, double lifetimeSeconds, double expectedMilliseconds)
    {
        var options = new PoolOptions { IdleTimeout = TimeSpan.FromSeconds(idleSeconds), MaxLifetime = TimeSpan.FromSeconds(lifetimeSeconds) };
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), options.EffectiveReapInterval);
    }

    [Fact]
    public void AnExplicitShortIntervalIsKept()
    {
        var options = new PoolOptions { IdleTimeout = TimeSpan.FromSeconds(2), ReapInterval = TimeSpan.FromMilliseconds(100) };
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.EffectiveReapInterval);
    }
}
