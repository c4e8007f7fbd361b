using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SshMux.Toml;

namespace SshMux.Tests.Toml;

/// <summary>
/// Runs every case toml-test (https://github.com/toml-lang/toml-test, MIT, see
/// TestData/toml-test/LICENSE) lists for TOML 1.0.0: valid files must parse to the value in
/// the tagged JSON beside them, invalid files must be rejected with a TomlException.
/// </summary>
public sealed partial class TomlConformanceTests
{
    /// <summary>Sizes of toml-test's files-toml-1.0.0 list; a partial copy of the data fails <see cref="SuiteIsComplete"/>.</summary>
    private const int ValidCount = 210;
    private const int InvalidCount = 499;

    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "TestData", "toml-test");
    private static readonly string ListFile = Path.Combine(Root, "tests", "files-toml-1.0.0");

    public static TheoryData<string> ValidCases => Cases("valid/");

    public static TheoryData<string> InvalidCases => Cases("invalid/");

    [Fact]
    public void SuiteIsComplete()
    {
        Assert.True(File.Exists(ListFile), $"toml-test data missing: {ListFile}");
        Assert.True(File.Exists(Path.Combine(Root, "LICENSE")), "toml-test LICENSE missing beside its data");
        var listed = File.ReadAllLines(ListFile).Where(l => l.Length > 0).ToList();
        Assert.All(listed, f => Assert.True(File.Exists(Path.Combine(Root, "tests", f)), $"listed case missing: {f}"));
        Assert.Equal(ValidCount, listed.Count(f => f.StartsWith("valid/", StringComparison.Ordinal) && f.EndsWith(".toml", StringComparison.Ordinal)));
        Assert.Equal(ValidCount, listed.Count(f => f.StartsWith("valid/", StringComparison.Ordinal) && f.EndsWith(".json", StringComparison.Ordinal)));
        Assert.Equal(InvalidCount, listed.Count(f => f.StartsWith("invalid/", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(ValidCases))]
    public async Task Valid(string file)
    {
        var document = await (await ParseInTime(file));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(CasePath(file), ".json")));
        AssertEquivalent(json.RootElement, document, "$");
    }

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public async Task Invalid(string file)
    {
        var task = await ParseInTime(file);
        var error = await Record.ExceptionAsync(() => task);
        Assert.NotNull(error);
        var toml = Assert.IsType<TomlException>(error);
        Assert.True(toml.Line >= 1 && toml.Column >= 1, $"error without a position: {toml.Message}");
    }

    private static TheoryData<string> Cases(string prefix)
    {
        var data = new TheoryData<string>();
        if (!File.Exists(ListFile))
        {
            // Keep the theory non-empty so a missing data folder shows up as failures, not as zero tests.
            data.Add(prefix + "MISSING-toml-test-data.toml");
            return data;
        }

        foreach (var line in File.ReadAllLines(ListFile))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal) && line.EndsWith(".toml", StringComparison.Ordinal))
            {
                data.Add(line);
            }
        }

        return data;
    }

    private static string CasePath(string file)
    {
        var path = Path.Combine(Root, "tests", file);
        Assert.True(File.Exists(path), $"toml-test case missing: {path}");
        return path;
    }

    /// <summary>Parses on another thread so a parser that loops forever fails the case instead of hanging the run.</summary>
    private static async Task<Task<TomlTable>> ParseInTime(string file)
    {
        var path = CasePath(file);
        var task = Task.Run(() => TomlParser.Parse(File.ReadAllBytes(path)));
        var finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.True(finished == task, "the parser did not finish within 20 s");
        return task;
    }

    private static void AssertEquivalent(JsonElement expected, TomlNode actual, string path)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Array:
                var array = Assert.IsType<TomlArray>(actual);
                Assert.True(expected.GetArrayLength() == array.Items.Count, $"{path}: expected {expected.GetArrayLength()} elements, got {array.Items.Count}");
                var i = 0;
                foreach (var item in expected.EnumerateArray())
                {
                    AssertEquivalent(item, array.Items[i], $"{path}[{i}]");
                    i++;
                }

                return;
            case JsonValueKind.Object when IsTagged(expected):
                AssertScalar(expected.GetProperty("type").GetString()!, expected.GetProperty("value").GetString()!, actual, path);
                return;
            case JsonValueKind.Object:
                var table = Assert.IsType<TomlTable>(actual);
                var keys = expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
                Assert.Equal(keys, table.Entries.Select(e => e.Key).Order(StringComparer.Ordinal).ToList());
                foreach (var property in expected.EnumerateObject())
                {
                    AssertEquivalent(property.Value, table[property.Name]!, $"{path}.{property.Name}");
                }

                return;
            default:
                Assert.Fail($"{path}: unexpected JSON {expected.ValueKind} in the expected output");
                return;
        }
    }

    private static bool IsTagged(JsonElement e) =>
        e.EnumerateObject().Count() == 2
        && e.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
        && e.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String;

    private static void AssertScalar(string type, string text, TomlNode actual, string path)
    {
        var value = Assert.IsType<TomlValue>(actual);
        var (kind, expected) = type switch
        {
            "string" => (TomlKind.String, (object)text),
            "integer" => (TomlKind.Integer, long.Parse(text, CultureInfo.InvariantCulture)),
            "float" => (TomlKind.Float, ExpectedFloat(text)),
            "bool" => (TomlKind.Boolean, text switch { "true" => true, "false" => false, _ => throw new FormatException(text) }),
            "datetime" => (TomlKind.OffsetDateTime, ExpectedDateTime(text)),
            "datetime-local" => (TomlKind.LocalDateTime, ExpectedDateTime(text)),
            "date-local" => (TomlKind.LocalDate, ExpectedDateTime(text)),
            "time-local" => (TomlKind.LocalTime, ExpectedDateTime(text)),
            _ => throw new FormatException($"unknown toml-test type {type}"),
        };
        Assert.True(kind == value.Kind, $"{path}: expected a {type}, got {value.Kind}");
        if (expected is double d)
        {
            // Floats compare numerically (toml-test README), NaN equal to NaN.
            var a = (double)value.Value;
            Assert.True(double.IsNaN(d) ? double.IsNaN(a) : d.Equals(a), $"{path}: expected {text}, got {a.ToString("R", CultureInfo.InvariantCulture)}");
        }
        else if (expected is DateTimeOffset offset)
        {
            var a = (DateTimeOffset)value.Value;
            Assert.True(offset == a && offset.Offset == a.Offset, $"{path}: expected {text}, got {a:O}");
        }
        else
        {
            Assert.True(expected.Equals(value.Value), $"{path}: expected {text}, got {value.Value}");
        }
    }

    private static double ExpectedFloat(string text) => text switch
    {
        "nan" or "+nan" or "-nan" => double.NaN,
        "inf" or "+inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    /// <summary>Normalises toml-test's RFC 3339 text independently of the parser: 't'/'z'/space accepted, fractions truncated to ticks.</summary>
    private static object ExpectedDateTime(string text)
    {
        var m = DateTimePattern().Match(text);
        Assert.True(m.Success, $"unrecognised expected date-time {text}");
        var fraction = m.Groups["f"].Value;
        var ticks = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(7, '0')[..7], CultureInfo.InvariantCulture);
        TimeOnly? time = m.Groups["h"].Success
            ? new TimeOnly(Int(m, "h"), Int(m, "mi"), Int(m, "s")).Add(TimeSpan.FromTicks(ticks))
            : null;
        if (!m.Groups["y"].Success)
        {
            return time!.Value;
        }

        var date = new DateOnly(Int(m, "y"), Int(m, "mo"), Int(m, "d"));
        if (time is null)
        {
            return date;
        }

        var local = date.ToDateTime(time.Value, DateTimeKind.Unspecified);
        var zone = m.Groups["z"].Value;
        if (zone.Length == 0)
        {
            return local;
        }

        var offset = zone is "Z" or "z" ? TimeSpan.Zero : TimeSpan.ParseExact(zone[1..], @"hh\:mm", CultureInfo.InvariantCulture);
        return new DateTimeOffset(local, zone[0] == '-' ? -offset : offset);
    }

    private static int Int(Match m, string group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?:(?<y>\d{4})-(?<mo>\d{2})-(?<d>\d{2}))?(?:[Tt ]?(?<h>\d{2}):(?<mi>\d{2}):(?<s>\d{2})(?:\.(?<f>\d+))?(?<z>[Zz]|[+-]\d{2}:\d{2})?)?$")]
    private static partial Regex DateTimePattern();
}
