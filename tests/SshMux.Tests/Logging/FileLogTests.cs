using SshMux.Interop.Tests.Harness;
using SshMux.Logging;
using SshMux.Paths;
using SshMux.Ssh.Transport;

namespace SshMux.Tests.Logging;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileLogTests : IDisposable
{
    private readonly TempDirectory temp = new("ssh-mux-log-");
    private readonly SshDirectory directory;

    public FileLogTests() => directory = new SshDirectory(temp.Path);

    public void Dispose() => temp.Dispose();

    [Fact]
    public void WritesToStderrAndTheFileWithModeSixHundred()
    {
        var stderr = new StringWriter();
        using (var log = FileLog.Open(directory, SshLogLevel.Info, stderr))
        {
            log.Log(SshLogLevel.Info, "listening on 127.0.0.1:2222");
            log.Log(SshLogLevel.Debug, "not at info");
        }

        var file = File.ReadAllText(directory.Log);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d INFO    listening on 127\.0\.0\.1:2222\n$", file);
        Assert.Contains("INFO    listening on 127.0.0.1:2222", stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not at info", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(SafeFile.Secret, File.GetUnixFileMode(directory.Log));
    }

    [Fact]
    public void RotatesAtFiveMegabytesToDotOld()
    {
        var line = new string('x', 1000);
        var lines = 0;
        using (var log = FileLog.Open(directory, SshLogLevel.Info, TextWriter.Null))
        {
            Assert.Equal(5L * 1024 * 1024, log.RotateBytes);
            while (!File.Exists(directory.LogOld))
            {
                log.Log(SshLogLevel.Info, $"{lines++:D6} {line}");
            }

            log.Log(SshLogLevel.Info, "after rotation");
        }

        var old = new FileInfo(directory.LogOld);
        Assert.InRange(old.Length, FileLog.DefaultRotateBytes - 1100, FileLog.DefaultRotateBytes);
        Assert.Contains(" 000000 ", File.ReadLines(directory.LogOld).First(), StringComparison.Ordinal);
        var current = File.ReadAllLines(directory.Log);
        Assert.Equal(2, current.Length);
        Assert.Contains($" {lines - 1:D6} ", current[0], StringComparison.Ordinal);
        Assert.EndsWith("after rotation", current[1], StringComparison.Ordinal);
        Assert.Equal(SafeFile.Secret, File.GetUnixFileMode(directory.LogOld));
    }

    [Fact]
    public void SecretsAndControlCharactersNeverReachTheLog()
    {
        const string Pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----";
        var stderr = new StringWriter();
        using (var log = FileLog.Open(directory, SshLogLevel.Trace, stderr))
        {
            log.Log(SshLogLevel.Error, "bad key file: " + Pem);
            log.Log(SshLogLevel.Debug, "prompt answered, password=hunter2 otp: 123456 Passphrase = s3cr3t!");
            log.Log(SshLogLevel.Info, "banner from peer: hi\n2026-01-01T00:00:00.000+00:00 ERROR   forged\u001b]0;title\u0007");
            log.Log(SshLogLevel.Info, "truncated -----BEGIN RSA PRIVATE KEY-----\nMIIEow");
        }

        foreach (var text in new[] { File.ReadAllText(directory.Log), stderr.ToString() })
        {
            foreach (var secret in new[] { "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU", "hunter2", "123456", "s3cr3t", "MIIEow", "\u001b", "\u0007" })
            {
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            }

            Assert.Contains("bad key file: [redacted]", text, StringComparison.Ordinal);
            Assert.Contains("password=[redacted] otp: [redacted] Passphrase = [redacted]", text, StringComparison.Ordinal);
            Assert.Contains(@"hi\n2026-01-01T00:00:00.000+00:00 ERROR   forged\x1b]0;title\x07", text, StringComparison.Ordinal);
        }

        Assert.Equal(4, File.ReadAllLines(directory.Log).Length);
    }

    [Fact]
    public void UnwritableLogFallsBackToStderrOnce()
    {
        Directory.CreateDirectory(directory.Log);
        var stderr = new StringWriter();
        using var log = FileLog.Open(directory, SshLogLevel.Info, stderr);
        log.Log(SshLogLevel.Info, "one");
        log.Log(SshLogLevel.Info, "two");
        var text = stderr.ToString();
        Assert.Single(text.Split('\n'), l => l.Contains("logging to stderr only", StringComparison.Ordinal));
        Assert.Contains("INFO    two", text, StringComparison.Ordinal);
    }

    [Fact]
    public void UnhandledExceptionsAreRecordedBeforeExit()
    {
        using var log = FileLog.Open(directory, SshLogLevel.Info, TextWriter.Null);
        CrashLog.Install(log.Log);
        CrashLog.OnUnhandled(null, new UnhandledExceptionEventArgs(new InvalidOperationException("relay state broken"), isTerminating: true));
        CrashLog.OnUnobserved(null, new UnobservedTaskExceptionEventArgs(new AggregateException(new IOException("pipe gone"))));

        var text = File.ReadAllText(directory.Log);
        Assert.Contains("ERROR   unhandled exception, exiting: System.InvalidOperationException: relay state broken", text, StringComparison.Ordinal);
        Assert.Contains("unobserved task exception: System.AggregateException", text, StringComparison.Ordinal);
        Assert.Contains("pipe gone", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ServiceLogRefusesAnUnknownLevelAndOtherwiseLogsToTheFile()
    {
        var stderr = new StringWriter();
        Assert.Null(ServiceLog.Start(directory, "chatty", stderr));
        Assert.Contains("ssh-mux: --log-level: unknown level 'chatty'", stderr.ToString(), StringComparison.Ordinal);

        var log = ServiceLog.Start(directory, "warning", stderr);
        Assert.NotNull(log);
        log(SshLogLevel.Info, "quiet at warning");
        log(SshLogLevel.Warning, "upstream closed");
        var text = File.ReadAllText(directory.Log);
        Assert.DoesNotContain("quiet at warning", text, StringComparison.Ordinal);
        Assert.Contains("WARNING upstream closed", text, StringComparison.Ordinal);
    }
}
