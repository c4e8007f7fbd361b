using System.Diagnostics;
using System.Text;
using SshMux.Toml;
using Xunit.Abstractions;

namespace SshMux.Tests.Toml;

/// <summary>What toml-test does not check: positions kept for messages, and hostile input failing cleanly.</summary>
public sealed class TomlParserTests(ITestOutputHelper output)
{
    [Fact]
    public void KeysAndValuesKeepTheirPositions()
    {
        var root = TomlParser.Parse("a = 1\r\n\r\n  [t]\r\n  b.c = \"\"\"x\r\ny\"\"\"\r\nd = [\r\n  true,\r\n  2.5 ]\r\n");
        Assert.True(root.TryGetEntry("a", out var a));
        Assert.Equal((1, 1), (a.Line, a.Column));
        Assert.Equal((1, 5), (a.Value.Line, a.Value.Column));

        var t = Assert.IsType<TomlTable>(root["t"]);
        Assert.Equal((3, 3), (t.Line, t.Column));
        Assert.True(t.TryGetEntry("b", out var b));
        Assert.Equal((4, 3), (b.Line, b.Column));
        var c = Assert.IsType<TomlTable>(b.Value);
        Assert.True(c.TryGetEntry("c", out var cEntry));
        Assert.Equal((4, 5), (cEntry.Line, cEntry.Column));
        Assert.Equal("x\ny", Assert.IsType<TomlValue>(cEntry.Value).Value);

        Assert.True(t.TryGetEntry("d", out var d));
        Assert.Equal(6, d.Line);
        var items = Assert.IsType<TomlArray>(d.Value).Items;
        Assert.Equal((7, 3), (items[0].Line, items[0].Column));
        Assert.Equal((8, 3), (items[1].Line, items[1].Column));
    }

    [Fact]
    public void ImplicitTableTakesTheLineOfItsLaterHeader()
    {
        var root = TomlParser.Parse("[a.b]\nx = 1\n\n[a]\ny = 2\n");
        var a = Assert.IsType<TomlTable>(root["a"]);
        Assert.Equal(4, a.Line);
        Assert.Equal(["b", "y"], a.Entries.Select(e => e.Key));
    }

    [Theory]
    [InlineData("a = 1\nb = 0x\n", 2, 5, "'0x' is not a valid number")]
    [InlineData("a = 1\r\nb = \"x\\q\"\r\n", 2, 7, "invalid escape sequence '\\q'")]
    [InlineData("a = \"\\uD800\"\n", 1, 6, "is not a Unicode scalar value")]
    [InlineData("x = 1\n[t]\nx = 2\nx = 3\n", 4, 1, "key 't.x' is already defined (line 3)")]
    [InlineData("a = {b = 1}\n[a.c]\n", 2, 2, "'a' is an inline table (line 1) and cannot be extended")]
    [InlineData("[a]\nb.c = 1\n[a.b]\n", 3, 4, "cannot define 'a.b' as a table: dotted keys already defined it (line 2)")]
    [InlineData("a = 9223372036854775808\n", 1, 5, "does not fit in a 64-bit signed integer")]
    [InlineData("d = 2023-02-29\n", 1, 5, "is not a valid date")]
    [InlineData("t = 24:00:00\n", 1, 5, "is not a valid time of day")]
    [InlineData("a = 1 # bell \u0007\n", 1, 14, "control character U+0007 is not allowed in a comment")]
    [InlineData("a = 1\rb = 2\n", 1, 6, "a carriage return must be followed by a line feed")]
    [InlineData("o = 1979-05-27T00:00:00+23:00\n", 1, 5, "outside the supported date-time range")]
    public void ErrorsCarryLineAndColumn(string text, int line, int column, string reason)
    {
        var error = Assert.Throws<TomlException>(() => TomlParser.Parse(text));
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"line {line}, column {column}: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a = ", "[", "]")]
    [InlineData("a = ", "{b=", "}")]
    public void DeepNestingFailsCleanly(string prefix, string open, string close)
    {
        // Deep enough to overflow the stack of a recursive parser with no limit.
        const int depth = 200_000;
        var text = prefix + string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
        var error = Assert.Throws<TomlException>(() => TomlParser.Parse(text));
        Assert.Contains("nested more than", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8NamesItsPosition()
    {
        var bytes = Encoding.UTF8.GetBytes("a = 1\nb = \"\u00e9").Concat(new byte[] { 0xED, 0xA0, 0x80, (byte)'"' }).ToArray();
        var error = Assert.Throws<TomlException>(() => TomlParser.Parse(bytes));
        Assert.Equal((2, 7), (error.Line, error.Column));
    }

    [Fact]
    public void LargeDocumentParsesWithoutBlowUp()
    {
        var sb = new StringBuilder();
        const int routes = 20_000;
        for (var i = 0; i < routes; i++)
        {
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"[routes.r{i}]\nhost = \"10.0.{i / 256}.{i % 256}\"\nport = {1 + (i % 65535)}\nuser = 'deploy'\njump = \"ops@gw{i}.example:2222\" # hop\n\n");
        }

        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        TomlParser.Parse(bytes);
        var watch = Stopwatch.StartNew();
        var root = TomlParser.Parse(bytes);
        watch.Stop();
        Assert.Equal(routes, Assert.IsType<TomlTable>(root["routes"]).Count);
        output.WriteLine($"{bytes.Length / 1024} KiB, {routes} tables in {watch.Elapsed.TotalMilliseconds:F1} ms ({bytes.Length / 1048576.0 / watch.Elapsed.TotalSeconds:F1} MiB/s)");
        // Generous for a loaded CI machine (about 0.1 s of CPU in Release); a parser quadratic in the
        // number of tables or lines would take minutes here.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"parsing {bytes.Length} bytes took {watch.Elapsed}");
    }
}
