using System.Globalization;

namespace SshMux.Toml;

/// <summary>
/// Turns a bare value token into a boolean, integer, float or date-time following TOML 1.0.0
/// sections "Integer", "Float", "Boolean" and the four date-time sections (RFC 3339 syntax).
/// </summary>
internal static class TomlScalars
{
    public static TomlValue Parse(string token, int line, int column)
    {
        if (token.Length == 0)
        {
            throw TomlReader.Error("expected a value", line, column);
        }

        TomlValue Value(TomlKind kind, object value) => new(kind, value, line, column);
        TomlException Fail(string reason) => TomlReader.Error(reason, line, column);

        switch (token)
        {
            case "true": return Value(TomlKind.Boolean, true);
            case "false": return Value(TomlKind.Boolean, false);
            case "inf" or "+inf": return Value(TomlKind.Float, double.PositiveInfinity);
            case "-inf": return Value(TomlKind.Float, double.NegativeInfinity);
            case "nan" or "+nan" or "-nan": return Value(TomlKind.Float, double.NaN);
        }

        if (LooksLikeDate(token) || LooksLikeTime(token))
        {
            var (kind, value) = ParseDateTime(token, Fail);
            return Value(kind, value);
        }

        var unsigned = token[0] is '+' or '-' ? token.AsSpan(1) : token.AsSpan();
        var prefixed = unsigned.Length > 1 && unsigned[0] == '0' && unsigned[1] is 'x' or 'o' or 'b';
        if (!prefixed && unsigned.IndexOfAny(".eE") >= 0)
        {
            return Value(TomlKind.Float, ParseFloat(token, Fail));
        }

        return Value(TomlKind.Integer, ParseInteger(token, Fail));
    }

    private static bool LooksLikeDate(string t) =>
        t.Length >= 5 && char.IsAsciiDigit(t[0]) && char.IsAsciiDigit(t[1]) && char.IsAsciiDigit(t[2]) && char.IsAsciiDigit(t[3]) && t[4] == '-';

    private static bool LooksLikeTime(string t) =>
        t.Length >= 3 && char.IsAsciiDigit(t[0]) && char.IsAsciiDigit(t[1]) && t[2] == ':';

    private static long ParseInteger(string token, Func<string, TomlException> fail)
    {
        var negative = token[0] == '-';
        var digits = token[0] is '+' or '-' ? token.AsSpan(1) : token.AsSpan();
        var radix = 10;
        if (digits.Length > 1 && digits[0] == '0' && digits[1] is 'x' or 'o' or 'b')
        {
            if (digits.Length != token.Length)
            {
                throw fail($"'{token}': a sign is not allowed on a hexadecimal, octal or binary integer");
            }

            radix = digits[1] switch { 'x' => 16, 'o' => 8, _ => 2 };
            digits = digits[2..];
        }
        else if (digits.Length > 1 && digits[0] == '0')
        {
            throw fail($"'{token}': leading zeros are not allowed in an integer");
        }

        CheckDigits(digits, radix, token, fail);
        UInt128 magnitude = 0;
        var limit = negative ? (UInt128)long.MaxValue + 1 : long.MaxValue;
        foreach (var c in digits)
        {
            if (c == '_')
            {
                continue;
            }

            magnitude = (magnitude * (uint)radix) + (uint)HexValue(c);
            if (magnitude > limit)
            {
                throw fail($"'{token}' does not fit in a 64-bit signed integer");
            }
        }

        return negative ? (long)(0 - (ulong)magnitude) : (long)magnitude;
    }

    private static double ParseFloat(string token, Func<string, TomlException> fail)
    {
        var body = token[0] is '+' or '-' ? token.AsSpan(1) : token.AsSpan();
        var e = body.IndexOfAny('e', 'E');
        var mantissa = e >= 0 ? body[..e] : body;
        var dot = mantissa.IndexOf('.');
        var integer = dot >= 0 ? mantissa[..dot] : mantissa;
        if (integer.Length > 1 && integer[0] == '0')
        {
            throw fail($"'{token}': leading zeros are not allowed in a float's integer part");
        }

        CheckDigits(integer, 10, token, fail);
        if (dot >= 0)
        {
            CheckDigits(mantissa[(dot + 1)..], 10, token, fail);
        }

        if (e >= 0)
        {
            var exponent = body[(e + 1)..];
            CheckDigits(exponent.Length > 0 && exponent[0] is '+' or '-' ? exponent[1..] : exponent, 10, token, fail);
        }

        var value = double.Parse(token.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(value))
        {
            throw fail($"'{token}' is too large for a 64-bit float");
        }

        return value;
    }

    /// <summary>At least one digit; an underscore only between two digits.</summary>
    private static void CheckDigits(ReadOnlySpan<char> digits, int radix, string token, Func<string, TomlException> fail)
    {
        if (digits.Length == 0)
        {
            throw fail($"'{token}' is not a valid number (digits missing)");
        }

        for (var i = 0; i < digits.Length; i++)
        {
            var c = digits[i];
            if (c == '_')
            {
                if (i == 0 || i == digits.Length - 1 || digits[i - 1] == '_')
                {
                    throw fail($"'{token}': an underscore must sit between two digits");
                }
            }
            else if (HexValue(c) >= radix)
            {
                throw fail($"'{token}' is not a valid {(radix == 10 ? "number" : $"base-{radix} integer")}");
            }
        }
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => int.MaxValue,
    };

    /// <summary>
    /// full-date [("T" / "t" / " ") partial-time [time-offset]], or partial-time alone. TOML 1.0.0
    /// requires seconds; a leap second (60) cannot be represented and is rejected.
    /// </summary>
    private static (TomlKind Kind, object Value) ParseDateTime(string s, Func<string, TomlException> fail)
    {
        var i = 0;
        try
        {
            if (LooksLikeTime(s))
            {
                var time = ReadTime(s, ref i, fail);
                ExpectEnd(s, i, fail);
                return (TomlKind.LocalTime, time);
            }

            var date = ReadDate(s, ref i, fail);
            if (i == s.Length)
            {
                return (TomlKind.LocalDate, date);
            }

            if (s[i] is not ('T' or 't' or ' '))
            {
                throw fail($"'{s}': expected 'T' between the date and the time");
            }

            i++;
            var local = date.ToDateTime(ReadTime(s, ref i, fail), DateTimeKind.Unspecified);
            if (i == s.Length)
            {
                return (TomlKind.LocalDateTime, local);
            }

            var offset = ReadOffset(s, ref i, fail);
            ExpectEnd(s, i, fail);
            return (TomlKind.OffsetDateTime, new DateTimeOffset(local, offset));
        }
        catch (ArgumentException)
        {
            throw fail($"'{s}' is outside the supported date-time range");
        }
    }

    private static DateOnly ReadDate(string s, ref int i, Func<string, TomlException> fail)
    {
        var year = ReadDigits(s, ref i, 4, fail);
        Expect(s, ref i, '-', fail);
        var month = ReadDigits(s, ref i, 2, fail);
        Expect(s, ref i, '-', fail);
        var day = ReadDigits(s, ref i, 2, fail);
        if (year == 0 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            throw fail($"'{s}' is not a valid date");
        }

        return new DateOnly(year, month, day);
    }

    private static TimeOnly ReadTime(string s, ref int i, Func<string, TomlException> fail)
    {
        var hour = ReadDigits(s, ref i, 2, fail);
        Expect(s, ref i, ':', fail);
        var minute = ReadDigits(s, ref i, 2, fail);
        Expect(s, ref i, ':', fail);
        var second = ReadDigits(s, ref i, 2, fail);
        if (hour > 23 || minute > 59 || second > 59)
        {
            throw fail($"'{s}' is not a valid time of day");
        }

        long ticks = 0;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                // Ticks are 100 ns: keep seven digits and truncate the rest, as TOML allows.
                if (i - start < 7)
                {
                    ticks = (ticks * 10) + (s[i] - '0');
                }

                i++;
            }

            if (i == start)
            {
                throw fail($"'{s}': digits must follow the decimal point of the seconds");
            }

            for (var pad = i - start; pad < 7; pad++)
            {
                ticks *= 10;
            }
        }

        return new TimeOnly(hour, minute, second).Add(TimeSpan.FromTicks(ticks));
    }

    private static TimeSpan ReadOffset(string s, ref int i, Func<string, TomlException> fail)
    {
        if (s[i] is 'Z' or 'z')
        {
            i++;
            return TimeSpan.Zero;
        }

        if (s[i] is not ('+' or '-'))
        {
            throw fail($"'{s}': expected 'Z' or an offset like +01:00 after the time");
        }

        var negative = s[i] == '-';
        i++;
        var hours = ReadDigits(s, ref i, 2, fail);
        Expect(s, ref i, ':', fail);
        var minutes = ReadDigits(s, ref i, 2, fail);
        if (hours > 23 || minutes > 59)
        {
            throw fail($"'{s}' has an invalid time offset");
        }

        var offset = new TimeSpan(hours, minutes, 0);
        return negative ? -offset : offset;
    }

    private static int ReadDigits(string s, ref int i, int count, Func<string, TomlException> fail)
    {
        var value = 0;
        for (var n = 0; n < count; n++, i++)
        {
            if (i >= s.Length || !char.IsAsciiDigit(s[i]))
            {
                throw fail($"'{s}' is not a valid date or time");
            }

            value = (value * 10) + (s[i] - '0');
        }

        return value;
    }

    private static void Expect(string s, ref int i, char c, Func<string, TomlException> fail)
    {
        if (i >= s.Length || s[i] != c)
        {
            throw fail($"'{s}' is not a valid date or time (expected '{c}')");
        }

        i++;
    }

    private static void ExpectEnd(string s, int i, Func<string, TomlException> fail)
    {
        if (i != s.Length)
        {
            throw fail($"'{s}' is not a valid date or time (unexpected '{s[i..]}')");
        }
    }
}
