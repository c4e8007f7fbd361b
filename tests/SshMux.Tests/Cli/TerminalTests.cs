using SshMux.Cli;

namespace SshMux.Tests.Cli;

public sealed class TerminalTests
{
    [Theory]
    [InlineData(false, null, "xterm-256color", true)]
    [InlineData(true, null, "xterm-256color", false)]
    [InlineData(false, "1", "xterm-256color", false)]
    [InlineData(false, "", "xterm", true)]
    [InlineData(false, null, "dumb", false)]
    public void ColourOnlyOnATerminalWithoutNoColor(bool redirected, string? noColor, string term, bool expected)
    {
        Assert.Equal(expected, Terminal.ColorAllowed(redirected, name => name switch
        {
            "NO_COLOR" => noColor,
            "TERM" => term,
            _ => null,
        }));
    }
}
