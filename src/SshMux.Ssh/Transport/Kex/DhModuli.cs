using System.Globalization;
using System.Security.Cryptography;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>
/// Server-side group choice for diffie-hellman-group-exchange (RFC 4419 section 3), the way
/// OpenSSH's choose_dh does it: the safe primes of a moduli(5) file, the best-fitting size,
/// a random one among those of that size; the RFC 3526 groups when the file has none.
/// </summary>
internal static class DhModuli
{
    public const string DefaultPath = "/etc/ssh/moduli";

    /// <summary>OpenSSH's DH_GRP_MIN and DH_GRP_MAX: groups below 2048 bits are not offered.</summary>
    public const int MinimumBits = 2048;

    public const int MaximumBits = 8192;

    /// <summary>moduli(5) type 2: a safe prime, (p-1)/2 also prime.</summary>
    private const int TypeSafe = 2;

    /// <summary>moduli(5) tests bit 0x01 marks a number found composite.</summary>
    private const int TestComposite = 0x01;

    /// <summary>One usable line of a moduli file; the numbers stay hex until the entry is chosen.</summary>
    internal readonly record struct Entry(int Bits, string GeneratorHex, string PrimeHex);

    /// <summary>
    /// Picks the group for a request. The bounds must already be checked and clamped to
    /// [<see cref="MinimumBits"/>, <see cref="MaximumBits"/>] by the caller.
    /// </summary>
    public static async Task<DhGroup> ChooseAsync(string? moduliPath, int min, int wanted, int max, CancellationToken cancellationToken)
    {
        var path = moduliPath ?? DefaultPath;
        string[]? lines = null;
        try
        {
            if (File.Exists(path))
            {
                lines = await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable file is treated like a missing one, as OpenSSH does.
            lines = null;
        }

        if (lines is not null)
        {
            var entries = Parse(lines);
            var chosen = Choose([.. entries.Select(e => e.Bits)], min, wanted, max);
            if (chosen >= 0)
            {
                return new DhGroup(FromHex(entries[chosen].PrimeHex), FromHex(entries[chosen].GeneratorHex));
            }
        }

        var builtIn = Choose([.. DhGroups.All.Select(g => g.Bits)], min, wanted, max);
        return builtIn >= 0
            ? DhGroups.All[builtIn]
            : throw KexWire.Failed($"No Diffie-Hellman group between {min} and {max} bits is available");
    }

    /// <summary>
    /// choose_dh's rule: among sizes within [min, max], the smallest one above the wanted size,
    /// or failing that the largest; then a uniformly random candidate of that size.
    /// Returns the index of the chosen size, or -1 when none fits.
    /// </summary>
    internal static int Choose(IReadOnlyList<int> sizes, int min, int wanted, int max)
    {
        var best = 0;
        var count = 0;
        foreach (var bits in sizes)
        {
            if (bits < min || bits > max)
            {
                continue;
            }

            if ((bits > wanted && bits < best) || (bits > best && best < wanted))
            {
                best = bits;
                count = 0;
            }

            if (bits == best)
            {
                count++;
            }
        }

        if (count == 0)
        {
            return -1;
        }

        var which = RandomNumberGenerator.GetInt32(count);
        for (var i = 0; i < sizes.Count; i++)
        {
            if (sizes[i] == best && which-- == 0)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Parses moduli(5) lines: "time type tests tries size generator modulus", where size is the
    /// bit length minus one. Like OpenSSH's parse_prime, keeps only tested safe primes whose stated
    /// size matches the modulus, and skips malformed lines.
    /// </summary>
    internal static List<Entry> Parse(IEnumerable<string> lines)
    {
        var entries = new List<Entry>();
        foreach (var line in lines)
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 7 || fields[0].StartsWith('#'))
            {
                continue;
            }

            if (!int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var type) || type != TypeSafe
                || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var tests)
                || (tests & TestComposite) != 0 || (tests & ~TestComposite) == 0
                || !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var tries) || tries == 0
                || !int.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size <= 0 || size > 65536)
            {
                continue;
            }

            var generatorBits = HexBitLength(fields[5]);
            var primeBits = HexBitLength(fields[6]);
            if (primeBits != size + 1 || generatorBits < 2 || (HexLastDigit(fields[6]) & 1) == 0)
            {
                continue;
            }

            entries.Add(new Entry(primeBits, fields[5], fields[6]));
        }

        return entries;
    }

    /// <summary>Bit length of a hex number, or -1 when it is not hex. Values below 2 give 0 or 1.</summary>
    private static int HexBitLength(string hex)
    {
        var start = 0;
        while (start < hex.Length && hex[start] == '0')
        {
            start++;
        }

        for (var i = start; i < hex.Length; i++)
        {
            if (!char.IsAsciiHexDigit(hex[i]))
            {
                return -1;
            }
        }

        if (start == hex.Length)
        {
            return hex.Length == 0 ? -1 : 0;
        }

        var top = int.Parse(hex.AsSpan(start, 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (4 * (hex.Length - start - 1)) + (32 - int.LeadingZeroCount(top));
    }

    private static int HexLastDigit(string hex) =>
        int.Parse(hex.AsSpan(hex.Length - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static byte[] FromHex(string hex) => Convert.FromHexString(hex.Length % 2 == 0 ? hex : "0" + hex);
}
