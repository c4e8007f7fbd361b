using SshMux.Prompts;

namespace SshMux.Tests.Prompts;

public class PromptTextTests
{
    [Theory]
    [InlineData("\u001b[31mred\u001b[0m", "red")]
    [InlineData("a\u001b[2J\u001b[Hb", "ab")]
    [InlineData("x\u001b[?1049hy", "xy")]
    [InlineData("\u001b]0;pwned title\u0007Password:", "Password:")]
    [InlineData("\u001b]52;c;ZWNobyBoaQ==\u001b\\OTP:", "OTP:")]
    [InlineData("\u001bP1$r0m\u001b\\ok", "ok")]
    [InlineData("\u001b^privacy message\u001b\\ok", "ok")]
    [InlineData("\u001b_application program command\u001b\\ok", "ok")]
    [InlineData("\u001bXstart of string\u001b\\ok", "ok")]
    [InlineData("a\u001bcb", "ab")]
    [InlineData("a\u001b(Bb", "ab")]
    [InlineData("a\u001b7b\u001b8c", "abc")]
    [InlineData("\u009b31mred", "red")]
    [InlineData("\u009d0;title\u009cok", "ok")]
    [InlineData("\u0090dcs\u009cok", "ok")]
    [InlineData("a\u0085b\u008dc", "abc")]
    [InlineData("bell\u0007 back\bspace\rcarriage", "bell backspacecarriage")]
    [InlineData("del\u007fete", "delete")]
    [InlineData("null\0byte", "nullbyte")]
    [InlineData("evil\u202egnp.exe", "evilgnp.exe")]
    [InlineData("\u2066iso\u2069\u202a\u202b\u202c\u202d\u2067\u2068late", "isolate")]
    [InlineData("tab\there", "tab here")]
    [InlineData("unterminated \u001b]0;everything after this is swallowed", "unterminated ")]
    [InlineData("trailing escape\u001b", "trailing escape")]
    [InlineData("csi cut short \u001b[12", "csi cut short ")]
    [InlineData("Verification code: ", "Verification code: ")]
    [InlineData("Pässwörd für 東京: ", "Pässwörd für 東京: ")]
    public void Removes_escape_sequences_and_control_characters(string input, string expected) =>
        Assert.Equal(expected, PromptText.Line(input));

    [Fact]
    public void A_line_turns_newlines_into_spaces_and_a_block_keeps_them()
    {
        Assert.Equal("one two", PromptText.Line("one\ntwo"));
        Assert.Equal("one\ntwo", PromptText.Block("one\r\ntwo"));
    }

    [Fact]
    public void Long_text_is_capped_with_an_ellipsis()
    {
        var capped = PromptText.Line(new string('A', 10_000), 100);
        Assert.Equal(100, capped.Length);
        Assert.EndsWith("\u2026", capped, StringComparison.Ordinal);
        Assert.Equal(new string('A', 99), capped[..99]);
    }

    [Fact]
    public void The_cap_does_not_split_a_surrogate_pair()
    {
        var capped = PromptText.Line("a" + string.Concat(Enumerable.Repeat("\U0001F600", 10)), 4);
        Assert.False(char.IsHighSurrogate(capped[^2]), capped);
        Assert.Equal("a\U0001F600\u2026", capped);
    }

    [Fact]
    public void Lone_surrogates_become_replacement_characters() =>
        Assert.Equal("a\ufffdb\ufffd", PromptText.Line("a\ud800b\udc00"));

    [Fact]
    public void Nothing_a_terminal_would_interpret_survives_random_input()
    {
        var random = new Random(4256);
        for (var round = 0; round < 2000; round++)
        {
            var chars = new char[random.Next(1, 64)];
            for (var i = 0; i < chars.Length; i++)
            {
                // Mostly controls, escapes and C1, with some printable text between.
                chars[i] = random.Next(6) switch
                {
                    0 => '\u001b',
                    1 => (char)random.Next(0, 0x20),
                    2 => (char)random.Next(0x7f, 0xa0),
                    3 => "[]P^_X\\\u0007"[random.Next(8)],
                    4 => (char)random.Next(0x2060, 0x2070),
                    _ => (char)random.Next(0x20, 0x7f),
                };
            }

            var line = PromptText.Line(new string(chars));
            Assert.DoesNotContain(line, c => c < ' ' || c is >= '\u007f' and <= '\u009f' || c is >= '\u202a' and <= '\u202e' || c is >= '\u2066' and <= '\u2069');
        }
    }
}
