using SshMux.Notifications;
using SshMux.Tests.Service;

namespace SshMux.Tests.Notifications;

public sealed class DesktopNotifierTests
{
    [Fact]
    public void OffByDefaultAndWithoutANotifier()
    {
        var runner = new FakeRunner();
        new DesktopNotifier(false, runner, DesktopNotifier.Kind.NotifySend, "/usr/bin/notify-send").NewSession("web", "scp");
        new DesktopNotifier(true, runner, DesktopNotifier.Kind.NotifySend, null).NewSession("web", "scp");
        new DesktopNotifier(true, runner, DesktopNotifier.Kind.None, "x").NewSession("web", "scp");
        Assert.Empty(runner.Started);
        Assert.False(DesktopNotifier.ForCurrentPlatform(false).Enabled);
    }

    [Fact]
    public void NotifySendGetsTheTextAsOneArgumentWithoutControlCharacters()
    {
        var runner = new FakeRunner();
        new DesktopNotifier(true, runner, DesktopNotifier.Kind.NotifySend, "/usr/bin/notify-send").NewSession("web\u001b]0;x\u0007", "exec");
        Assert.Equal(["/usr/bin/notify-send --app-name=ssh-mux --expire-time=5000 -- ssh-mux New session on web]0;x (exec)"], runner.Started);
    }

    [Fact]
    public void OsascriptReadsTheTextFromArgvNotFromScriptSource()
    {
        var runner = new FakeRunner();
        new DesktopNotifier(true, runner, DesktopNotifier.Kind.Osascript, "/usr/bin/osascript").NewSession("web\" & (do shell script \"id\") & \"", string.Empty);
        var started = Assert.Single(runner.Started);
        Assert.StartsWith("/usr/bin/osascript -e on run argv -e display notification (item 1 of argv) with title \"ssh-mux\" -e end run New session on web\"", started, StringComparison.Ordinal);
    }
}
