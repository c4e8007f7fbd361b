using System.Globalization;
using SshMux.Ssh.Transport.Kex;

namespace SshMux.Ssh.Tests.Kex;

public class DhModuliTests
{
    private static readonly string P2048 = Convert.ToHexString(DhGroups.Group14.Prime);
    private static readonly string P3072 = Convert.ToHexString(DhGroups.Modp3072.Prime);

    [Fact]
    public void ParseKeepsOnlyTestedSafePrimesOfTheStatedSize()
    {
        string[] lines =
        [
            "# Time Type Tests Tries Size Generator Modulus",
            "",
            $"20240101000000 2 6 100 2047 2 {P2048}",            // good
            $"20240101000000 2 4 100 3071 5 {P3072}",            // good, generator 5
            $"20240101000000 1 6 100 2047 2 {P2048}",            // not a safe prime
            $"20240101000000 2 7 100 2047 2 {P2048}",            // marked composite
            $"20240101000000 2 0 100 2047 2 {P2048}",            // never tested
            $"20240101000000 2 6 0 2047 2 {P2048}",              // no trials
            $"20240101000000 2 6 100 2048 2 {P2048}",            // size is bits - 1, not bits
            $"20240101000000 2 6 100 2047 1 {P2048}",            // generator 1
            $"20240101000000 2 6 100 2047 2 {P2048[..^1]}G",     // not hex
            $"20240101000000 2 6 100 2047 2 {P2048[..^1]}E",     // even
            $"20240101000000 2 6 100 2047 2",                    // truncated
            $"20240101000000 2 6 100 2047 2 {P2048} extra",      // too many fields
            "garbage",
        ];
        var entries = DhModuli.Parse(lines);
        Assert.Equal(2, entries.Count);
        Assert.Equal((2048, "2"), (entries[0].Bits, entries[0].GeneratorHex));
        Assert.Equal((3072, "5"), (entries[1].Bits, entries[1].GeneratorHex));
    }

    [Fact]
    public void ChoosePrefersTheSmallestSizeAboveTheWish()
    {
        int[] sizes = [2048, 3072, 3072, 4096, 8192];
        Assert.Equal(3, DhModuli.Choose(sizes, 2048, 4096, 8192));
        Assert.Equal(4, DhModuli.Choose(sizes, 2048, 5000, 8192));
        Assert.Equal(0, DhModuli.Choose(sizes, 2048, 2048, 8192));
        Assert.Equal(0, DhModuli.Choose(sizes, 2048, 1024, 8192));
    }

    [Fact]
    public void ChooseFallsBackToTheLargestBelowTheWishWithinBounds()
    {
        int[] sizes = [2048, 3072, 4096, 8192];
        Assert.Equal(2, DhModuli.Choose(sizes, 2048, 5000, 6000));
        Assert.Equal(-1, DhModuli.Choose(sizes, 9000, 9000, 10000));
        Assert.Equal(-1, DhModuli.Choose(sizes, 5000, 5000, 6000));
    }

    [Fact]
    public void ChoosePicksRandomlyAmongEqualSizes()
    {
        int[] sizes = [2048, 3072, 3072, 3072, 4096];
        var seen = new HashSet<int>();
        for (var i = 0; i < 200 && seen.Count < 3; i++)
        {
            seen.Add(DhModuli.Choose(sizes, 2048, 3072, 8192));
        }

        Assert.Equal([1, 2, 3], seen.Order());
    }

    [Theory]
    [InlineData(2048, 3072, 8192, 3072)]
    [InlineData(2048, 5000, 8192, 6144)]
    [InlineData(2048, 7000, 7500, 6144)]
    [InlineData(2048, 2048, 2048, 2048)]
    [InlineData(4096, 4096, 8192, 4096)]
    [InlineData(6145, 8192, 8192, 8192)]
    public async Task WithoutAModuliFileTheClosestRfc3526GroupIsUsed(int min, int wanted, int max, int expectedBits)
    {
        var group = await DhModuli.ChooseAsync("/nonexistent/moduli", min, wanted, max, CancellationToken.None);
        Assert.Same(DhGroups.All.Single(g => g.Bits == expectedBits), group);
    }

    [Fact]
    public async Task NoFittingGroupFailsTheExchange()
    {
        var e = await Assert.ThrowsAsync<SshException>(() => DhModuli.ChooseAsync("/nonexistent/moduli", 5000, 5000, 5500, CancellationToken.None));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
    }

    [Fact]
    public async Task ModuliFileWinsOverTheBuiltInGroupsAndFallsBackWhenNothingFits()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, $"20240101000000 2 6 100 3071 5 {P3072}\n");
            var fromFile = await DhModuli.ChooseAsync(path, 2048, 3072, 8192, CancellationToken.None);
            Assert.Equal(DhGroups.Modp3072.P, fromFile.P);
            Assert.Equal(5, (int)fromFile.G);

            var fallback = await DhModuli.ChooseAsync(path, 4096, 4096, 8192, CancellationToken.None);
            Assert.Same(DhGroups.Group16, fallback);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task SystemModuliFileIsUsedWhenPresent()
    {
        if (!File.Exists(DhModuli.DefaultPath))
        {
            Assert.NotEqual("true", Environment.GetEnvironmentVariable("CI"));
            return;
        }

        var entries = DhModuli.Parse(await File.ReadAllLinesAsync(DhModuli.DefaultPath));
        Assert.NotEmpty(entries);
        var group = await DhModuli.ChooseAsync(null, 2048, 3072, 8192, CancellationToken.None);
        Assert.DoesNotContain(group, DhGroups.All);
        Assert.Contains(entries, e => string.Equals(e.PrimeHex, Convert.ToHexString(group.Prime), StringComparison.OrdinalIgnoreCase)
            && int.Parse(e.GeneratorHex, NumberStyles.HexNumber, CultureInfo.InvariantCulture) == (int)group.G);
        Assert.Equal(entries.Where(e => e.Bits >= 3072).Min(e => e.Bits), group.Bits);
    }
}
