using System.Net;
using SshMux.Ssh.OpenSsh;

namespace SshMux.Ssh.Tests.OpenSsh;

/// <summary>
/// Wildcard patterns, pattern lists and address lists. The expected values are OpenSSH's own
/// (regress/unittests/match/tests.c in openssh-portable), plus an exhaustive comparison with a
/// straightforward recursive matcher, as that test suite does for its NFA matcher.
/// </summary>
public class PatternTests
{
    [Theory]
    [InlineData("", "", true)]
    [InlineData("", "aaa", false)]
    [InlineData("aaa", "", false)]
    [InlineData("aaa", "aaaa", false)]
    [InlineData("aaaa", "aaa", false)]
    [InlineData("abc", "abc", true)]
    [InlineData("abc", "abd", false)]
    [InlineData("abc", "abcd", false)]
    [InlineData("abcd", "abc", false)]
    [InlineData("", "*", true)]
    [InlineData("", "**", true)]
    [InlineData("", "***", true)]
    [InlineData("", "?", false)]
    [InlineData("", "*?", false)]
    [InlineData("", "?*", false)]
    [InlineData("", "**a*", false)]
    [InlineData("a", "?", true)]
    [InlineData("aa", "a?", true)]
    [InlineData("a", "*", true)]
    [InlineData("aa", "a*", true)]
    [InlineData("aa", "?*", true)]
    [InlineData("aa", "?a", true)]
    [InlineData("aa", "*a", true)]
    [InlineData("ba", "a?", false)]
    [InlineData("ba", "a*", false)]
    [InlineData("ab", "?a", false)]
    [InlineData("ab", "*a", false)]
    [InlineData("aa", "**", true)]
    [InlineData("ab", "a***b", true)]
    [InlineData("axb", "a***b", true)]
    [InlineData("axxb", "a***b", true)]
    [InlineData("ax", "a***b", false)]
    [InlineData("abbb", "a*b*b", true)]
    [InlineData("abbb", "a*b*c", false)]
    [InlineData("aaaaaaaaac", "a*a*a*a*b", false)]
    [InlineData("aaaaaaaaab", "a*a*a*a*b", true)]
    [InlineData("ab", "*b", true)]
    [InlineData("ab", "*a*", true)]
    [InlineData("ab", "*a*b", true)]
    [InlineData("ab", "*a*c", false)]
    [InlineData("abc", "a?c", true)]
    [InlineData("abc", "??c", true)]
    [InlineData("abc", "???", true)]
    [InlineData("abc", "a?d", false)]
    [InlineData("ab", "???", false)]
    [InlineData("abc", "ab*", true)]
    [InlineData("ab", "ab*", true)]
    [InlineData("a", "ab*", false)]
    [InlineData("abc", "ab?", true)]
    [InlineData("ab", "ab?", false)]
    [InlineData("abcd", "ab?", false)]
    [InlineData("abc", "?bc", true)]
    [InlineData("abc", "?b*", true)]
    [InlineData("abc", "?c", false)]
    [InlineData("abc", "a*?c", true)]
    [InlineData("ac", "a*?c", false)]
    [InlineData("abbc", "a*?c", true)]
    [InlineData("abc", "a?*c", true)]
    [InlineData("ac", "a?*c", false)]
    [InlineData("abbc", "a?*c", true)]
    [InlineData("abc", "a*?*c", true)]
    [InlineData("ac", "a*?*c", false)]
    [InlineData("abc", "?*c", true)]
    [InlineData("ac", "?*c", true)]
    [InlineData("c", "?*c", false)]
    [InlineData("abc", "*?c", true)]
    [InlineData("ac", "*?c", true)]
    [InlineData("c", "*?c", false)]
    [InlineData("abc", "a?*", true)]
    [InlineData("ab", "a?*", true)]
    [InlineData("a", "a?*", false)]
    [InlineData("abc", "a*?", true)]
    [InlineData("ab", "a*?", true)]
    [InlineData("a", "a*?", false)]
    [InlineData("abb", "a*b", true)]
    [InlineData("abbc", "a*b", false)]
    public void MatchPatternAgreesWithOpenSsh(string text, string pattern, bool expected) =>
        Assert.Equal(expected, OpenSshPattern.Match(text, pattern));

    [Fact]
    public void MatchPatternAgreesWithARecursiveMatcherExhaustively()
    {
        var inputs = Words("abc", 5).ToList();
        var patterns = Words("abx?*", 5).ToList();
        foreach (var input in inputs)
        {
            foreach (var pattern in patterns)
            {
                if (OpenSshPattern.Match(input, pattern) != Reference(input, pattern))
                {
                    Assert.Fail($"input \"{input}\" pattern \"{pattern}\"");
                }
            }
        }
    }

    [Fact]
    public void HostilePatternsRunInPolynomialTime()
    {
        var text = new string('a', 5000);
        var pattern = string.Concat(Enumerable.Repeat("*a", 200)) + "*b";
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(OpenSshPattern.Match(text, pattern));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("", "*", 1)]
    [InlineData("", "!*", -1)]
    [InlineData("", "!a,*", 1)]
    [InlineData("", "*,!a", 1)]
    [InlineData("", "a,!*", -1)]
    [InlineData("", "!*,a", -1)]
    [InlineData("a", "", 0)]
    [InlineData("a", "*", 1)]
    [InlineData("a", "!*", -1)]
    [InlineData("a", "!a", -1)]
    [InlineData("a", "!b", 0)]
    [InlineData("a", "!a,*", -1)]
    [InlineData("b", "!a,*", 1)]
    [InlineData("a", "*,!a", -1)]
    [InlineData("b", "*,!a", 1)]
    [InlineData("a", "a,!*", -1)]
    [InlineData("b", "a,!*", -1)]
    [InlineData("a", "a,!a", -1)]
    [InlineData("a", "!*,a", -1)]
    [InlineData("b", "!*,a", -1)]
    public void MatchPatternListAgreesWithOpenSsh(string text, string list, int expected) =>
        Assert.Equal(expected, OpenSshPattern.MatchList(text, list));

    [Fact]
    public void PatternListLowercasesOnlyThePattern()
    {
        Assert.Equal(0, OpenSshPattern.MatchList("abc", "ABC"));
        Assert.Equal(0, OpenSshPattern.MatchList("ABC", "abc"));
        Assert.Equal(1, OpenSshPattern.MatchList("abc", "ABC", lowercasePattern: true));
        Assert.Equal(0, OpenSshPattern.MatchList("ABC", "abc", lowercasePattern: true));

        // match_hostname lowers the host too.
        Assert.Equal(1, OpenSshPattern.MatchHostName("WWW.Example.COM", "*.EXAMPLE.com"));
    }

    [Fact]
    public void OverlongListEntryFailsTheWholeList()
    {
        var longEntry = new string('a', 1023);
        Assert.Equal(1, OpenSshPattern.MatchList("b", "b," + new string('a', 1022)));
        Assert.Equal(0, OpenSshPattern.MatchList("b", "b," + longEntry));
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1/44", -2)]
    [InlineData("127.0.0.1", "*", 1)]
    [InlineData("127.0.0.1", "127.0.0.1", 1)]
    [InlineData("127.0.0.1", "127.0.0.2", 0)]
    [InlineData("127.0.0.1", "!127.0.0.1", -1)]
    [InlineData("127.0.0.1", "!127.0.0.2", 0)]
    [InlineData("127.0.0.255", "127.0.0.0/24", 1)]
    [InlineData("127.0.1.1", "127.0.0.0/24", 0)]
    [InlineData("127.0.0.1", "127.0.0.0/24", 1)]
    [InlineData("127.0.0.1", "127.0.1.0/24", 0)]
    [InlineData("127.0.0.1", "!127.0.0.0/24", -1)]
    [InlineData("127.0.0.1", "10.0.0.1,!127.0.0.1", -1)]
    [InlineData("127.0.0.1", "!127.0.0.1,10.0.0.1", -1)]
    [InlineData("127.0.0.1", "10.0.0.1,127.0.0.2", 0)]
    [InlineData("127.0.0.1", "127.0.0.2,10.0.0.1", 0)]
    [InlineData("a", "*", 0)]

    // Beyond OpenSSH's own list: inconsistent masks, empty entries, wildcards on the address text, IPv6.
    [InlineData("10.1.2.3", "10.0.0.1/8", -2)]
    [InlineData("10.1.2.3", "10.0.0.0/8,", -2)]
    [InlineData("10.1.2.3", "!,10.0.0.0/8", -2)]
    [InlineData("10.1.2.3", "10.1.2.*", 1)]
    [InlineData("10.1.2.3", "10.1.?.3", 1)]
    [InlineData("10.1.2.3", "0.0.0.0/0", 1)]
    [InlineData("2001:db8::7", "2001:db8::/32", 1)]
    [InlineData("2001:db9::7", "2001:db8::/32", 0)]
    [InlineData("2001:db8::7", "10.0.0.0/8", 0)]
    [InlineData("::ffff:10.1.2.3", "10.0.0.0/8", 1)]
    [InlineData("::1", "::1/129", -2)]
    public void AddressListAgreesWithOpenSsh(string address, string list, int expected) =>
        Assert.Equal(expected, AddressPattern.MatchList(address, list));

    [Theory]
    [InlineData("127.0.0.1/44")]
    [InlineData("10.0.0.1/8")]
    [InlineData("10.0.0.0/8,,10.0.0.1")]
    public void AddressListSyntaxCheckWithoutAnAddress(string list) =>
        Assert.Equal(-2, AddressPattern.MatchList((IPAddress?)null, list));

    [Theory]
    [InlineData("10.1.2.3", "10.0.0.0/8", 1)]
    [InlineData("10.1.2.3", "192.168.0.0/16,10.0.0.0/8", 1)]
    [InlineData("10.1.2.3", "192.168.0.0/16", 0)]
    [InlineData("10.1.2.3", "10.1.2.3", 1)]
    [InlineData("2001:db8::1", "2001:db8::/32", 1)]
    [InlineData("10.1.2.3", "10.0.0.0/8,*", -1)]
    [InlineData("10.1.2.3", "10.1.2.*", -1)]
    [InlineData("10.1.2.3", "!10.0.0.0/8", -1)]
    [InlineData("10.1.2.3", "10.0.0.1/8", -1)]
    [InlineData("10.1.2.3", "10.0.0.0/8,", -1)]
    [InlineData("10.1.2.3", "host.example.com", -1)]
    [InlineData("10.1.2.3", "10.0.0.0/8,192.168.0.0/33", -1)]
    public void CidrListAgreesWithSourceAddressRules(string address, string list, int expected) =>
        Assert.Equal(expected, AddressPattern.MatchCidrList(IPAddress.Parse(address), list));

    [Theory]
    [InlineData("pc1.sales.example.net", "10.0.0.5", "*.sales.example.net,!pc.sales.example.net", 1)]
    [InlineData("pc.sales.example.net", "10.0.0.5", "*.sales.example.net,!pc.sales.example.net", 0)]
    [InlineData("PC1.Sales.Example.NET", "10.0.0.5", "*.sales.example.net", 1)]
    [InlineData("other.example.net", "10.0.0.5", "*.sales.example.net", 0)]
    [InlineData("other.example.net", "10.0.0.5", "10.0.0.0/24", 1)]
    [InlineData("other.example.net", "10.0.0.5", "10.0.0.0/24,!10.0.0.5", 0)]
    [InlineData("other.example.net", "10.0.0.5", "10.0.0.0/24,!other.example.net", 0)]
    [InlineData("other.example.net", "10.0.0.5", "10.0.0.1/24", -1)]
    public void HostAndAddressMatchingForFrom(string host, string address, string patterns, int expected) =>
        Assert.Equal(expected, AddressPattern.MatchHostAndAddress(host, IPAddress.Parse(address), patterns));

    [Fact]
    public void HostAndAddressMatchingWithoutAnAddressFails() =>
        Assert.Equal(0, AddressPattern.MatchHostAndAddress("host", null, "*"));

    /// <summary>The straightforward backtracking matcher, exponential in the worst case but obviously right.</summary>
    private static bool Reference(string text, string pattern)
    {
        if (pattern.Length == 0)
        {
            return text.Length == 0;
        }

        if (pattern[0] == '*')
        {
            for (var i = 0; i <= text.Length; i++)
            {
                if (Reference(text[i..], pattern[1..]))
                {
                    return true;
                }
            }

            return false;
        }

        return text.Length > 0 && (pattern[0] == '?' || pattern[0] == text[0]) && Reference(text[1..], pattern[1..]);
    }

    private static IEnumerable<string> Words(string alphabet, int maxLength)
    {
        IEnumerable<string> current = [string.Empty];
        for (var length = 0; length <= maxLength; length++)
        {
            foreach (var word in current)
            {
                yield return word;
            }

            current = current.SelectMany(w => alphabet.Select(c => w + c)).ToList();
        }
    }
}
