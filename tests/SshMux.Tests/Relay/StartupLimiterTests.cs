using SshMux.Relay;

namespace SshMux.Tests.Relay;

/// <summary>MaxStartups start:rate:full as sshd.c's drop_connection computes it.</summary>
public class StartupLimiterTests
{
    /// <summary>Fills the limiter to <paramref name="count"/> slots with a random source that never drops.</summary>
    private static List<IDisposable> Fill(StartupLimiter limiter, int count)
    {
        var slots = new List<IDisposable>();
        for (var i = 0; i < count; i++)
        {
            slots.Add(limiter.TryEnter(out var refusal) ?? throw new InvalidOperationException("dropped while filling: " + refusal));
        }

        return slots;
    }

    [Fact]
    public void BelowStartNothingIsDropped()
    {
        var limiter = new StartupLimiter(10, 30, 100, _ => 0);
        Fill(limiter, 10);
        Assert.Equal(10, limiter.Unauthenticated);
        Assert.Equal(0, limiter.Dropped);
    }

    [Theory]
    [InlineData(10, 30)]  // at start: rate percent
    [InlineData(55, 65)]  // halfway: 30 + 70 * 45 / 90
    [InlineData(99, 99)]  // one below full: 30 + 70 * 89 / 90 = 99 (integer division)
    public void DropProbabilityRisesLinearlyFromRateToFull(int held, int percent)
    {
        var next = 0;
        var limiter = new StartupLimiter(10, 30, 100, _ => next);
        next = 100; // never below a percentage: nothing is dropped while filling
        Fill(limiter, held);

        next = percent - 1;
        Assert.Null(limiter.TryEnter(out var refusal));
        Assert.Contains($"{held} connections are not authenticated yet (MaxStartups 10:30:100)", refusal, StringComparison.Ordinal);

        next = percent;
        Assert.NotNull(limiter.TryEnter(out _));
        Assert.Equal(held + 1, limiter.Unauthenticated);
        Assert.Equal(1, limiter.Dropped);
    }

    [Fact]
    public void AtFullEverythingIsDroppedUntilASlotIsGivenBack()
    {
        var limiter = new StartupLimiter(2, 0, 4, _ => 99);
        var slots = Fill(limiter, 4);
        Assert.Null(limiter.TryEnter(out _));
        Assert.Null(limiter.TryEnter(out _));
        Assert.Equal(2, limiter.Dropped);

        // Giving a slot back twice frees only one place.
        slots[0].Dispose();
        slots[0].Dispose();
        Assert.Equal(3, limiter.Unauthenticated);
        Assert.NotNull(limiter.TryEnter(out _));
        Assert.Null(limiter.TryEnter(out _));
    }

    [Fact]
    public void DefaultIsOpenSshs()
    {
        var limiter = new StartupLimiter();
        Assert.Equal((10, 30, 100), (limiter.Start, limiter.Rate, limiter.Full));
    }

    /// <summary>With the real random source, the share dropped at start is near rate percent.</summary>
    [Fact]
    public void RandomDropsAtStartAreNearTheRate()
    {
        var limiter = new StartupLimiter(1, 30, 1000);
        using var held = limiter.TryEnter(out _);
        var dropped = 0;
        for (var i = 0; i < 10_000; i++)
        {
            if (limiter.TryEnter(out _) is { } slot)
            {
                slot.Dispose();
            }
            else
            {
                dropped++;
            }
        }

        // 30% of 10,000 with a standard deviation of about 46: 6 sigma either way.
        Assert.InRange(dropped, 2720, 3280);
    }

    [Theory]
    [InlineData("10:30:100", 10, 30, 100)]
    [InlineData("5", 5, 100, 5)]
    [InlineData("1:0:1", 1, 0, 1)]
    public void ParsesSshdSyntax(string text, int start, int rate, int full)
    {
        var limiter = StartupLimiter.Parse(text);
        Assert.Equal((start, rate, full), (limiter.Start, limiter.Rate, limiter.Full));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ten")]
    [InlineData("10:30")]
    [InlineData("10:101:100")]
    [InlineData("10:30:5")]
    [InlineData("0")]
    [InlineData("-1:30:100")]
    [InlineData("10:30:100:1")]
    public void RefusesWhatSshdRefuses(string text)
    {
        var error = Assert.Throws<FormatException>(() => StartupLimiter.Parse(text));
        Assert.Contains("MaxStartups", error.Message, StringComparison.Ordinal);
    }
}
