using SshMux.Logging;
using SshMux.Ssh.Transport;

namespace SshMux.Tests.Logging;

public sealed class LogLevelsTests
{
    [Theory]
    [InlineData(null, null, SshLogLevel.Info)]
    [InlineData(null, "debug", SshLogLevel.Debug)]
    [InlineData(null, "WARNING", SshLogLevel.Warning)]
    [InlineData("error", "debug", SshLogLevel.Error)]
    [InlineData("trace", null, SshLogLevel.Trace)]
    public void OptionWinsOverEnvironment(string? option, string? environment, SshLogLevel expected)
    {
        Assert.True(LogLevels.TryResolve(option, name => name == "SSH_MUX_LOG" ? environment : null, out var level, out var error), error);
        Assert.Equal(expected, level);
    }

    [Theory]
    [InlineData("loud", null, "--log-level: unknown level 'loud'")]
    [InlineData(null, "verbose", "SSH_MUX_LOG: unknown level 'verbose'")]
    public void UnknownLevelsAreNamed(string? option, string? environment, string message)
    {
        Assert.False(LogLevels.TryResolve(option, name => name == "SSH_MUX_LOG" ? environment : null, out _, out var error));
        Assert.StartsWith(message, error, StringComparison.Ordinal);
    }
}
