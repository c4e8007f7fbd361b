using System.Xml.Linq;
using SshMux.Cli;
using SshMux.Interop.Tests.Harness;
using SshMux.Paths;
using SshMux.Service;
using SshMux.Setup;

namespace SshMux.Tests.Service;

/// <summary>Records the service manager commands instead of running them.</summary>
internal sealed class FakeRunner(bool reachable = true, string? failing = null) : ICommandRunner
{
    public List<string> Commands { get; } = [];

    public List<string> Started { get; } = [];

    public CommandResult Run(string program, IReadOnlyList<string> arguments)
    {
        var line = Path.GetFileName(program) + " " + string.Join(' ', arguments);
        Commands.Add(line);
        if (!reachable && (line.Contains("show-environment", StringComparison.Ordinal) || line.Contains(" print ", StringComparison.Ordinal)))
        {
            return new CommandResult(1, "Failed to connect to bus: No medium found");
        }

        return failing is not null && line.Contains(failing, StringComparison.Ordinal)
            ? new CommandResult(1, "Failed to enable unit: Access denied")
            : new CommandResult(0, string.Empty);
    }

    public void Start(string program, IReadOnlyList<string> arguments) => Started.Add(program + " " + string.Join(' ', arguments));
}

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ServiceTests : IDisposable
{
    private readonly TempDirectory temp = new("ssh-mux-service-");
    private readonly SshDirectory directory;

    public ServiceTests()
    {
        var ssh = temp.File("home/.ssh");
        Directory.CreateDirectory(ssh);
        directory = new SshDirectory(ssh);
    }

    public void Dispose() => temp.Dispose();

    private ServiceSpec Spec(string program = "/opt/ssh mux/ssh-mux", SshDirectory? dir = null) =>
        ServiceSpec.Create(dir ?? directory, null, 2222, 600, 43200, program, "/opt/ssh mux/ssh-mux.dll");

    private SystemdUserService Systemd(FakeRunner runner) => new(temp.File("home/.config"), runner, FileSafety.Default);

    [Fact]
    public void SpecRunsServeWithTheRoutesAndLimitsByAbsolutePath()
    {
        var spec = Spec();
        Assert.Equal("/opt/ssh mux/ssh-mux", spec.Program);
        Assert.Equal(["daemon", "--config", directory.Routes, "-p", "2222", "--timeout", "600", "--max-lifetime", "43200"], spec.Arguments);
        Assert.Empty(spec.Environment);

        var viaDotnet = Spec("/usr/share/dotnet/dotnet");
        Assert.Equal("/opt/ssh mux/ssh-mux.dll", viaDotnet.Arguments[0]);
        Assert.Equal("daemon", viaDotnet.Arguments[1]);

        Assert.Throws<SetupException>(() => ServiceSpec.Create(directory, null, 0, 600, 0, "/usr/bin/ssh-mux", "x.dll"));
        Assert.Throws<SetupException>(() => ServiceSpec.Create(directory, null, 2222, 0, 0, "/usr/bin/ssh-mux", "x.dll"));
        Assert.Throws<SetupException>(() => ServiceSpec.Create(directory, "/tmp/a\"b", 2222, 600, 0, "/usr/bin/ssh-mux", "x.dll"));
        Assert.Throws<SetupException>(() => ServiceSpec.Create(directory, "/tmp/a\nb", 2222, 600, 0, "/usr/bin/ssh-mux", "x.dll"));
        Assert.Throws<SetupException>(() => ServiceSpec.Create(directory, null, 2222, 600, 0, "ssh-mux", "x.dll"));
    }

    [Fact]
    public void UnitQuotesEveryWordAndCarriesTheSshDirectoryOverride()
    {
        var custom = new SshDirectory("/srv/keys 100%/$HOME", isOverride: true);
        var unit = SystemdUnit.Render(ServiceSpec.Create(custom, null, 2222, 600, 0, "/opt/ssh mux/ssh-mux", "x.dll"));
        Assert.Contains("ExecStart=\"/opt/ssh mux/ssh-mux\" \"daemon\" \"--config\" \"/srv/keys 100%%/$$HOME/ssh-mux-routes.toml\" \"-p\" \"2222\" \"--timeout\" \"600\" \"--max-lifetime\" \"0\"\n", unit, StringComparison.Ordinal);
        // Only ExecStart= expands $VARIABLES; Environment= and ReadWritePaths= take "$" as it is.
        Assert.Contains("Environment=\"SSH_MUX_SSH_DIR=/srv/keys 100%%/$HOME\"\n", unit, StringComparison.Ordinal);
        Assert.Contains("ReadWritePaths=\"-/srv/keys 100%%/$HOME\" -%t\n", unit, StringComparison.Ordinal);

        // Not "strict": ProxyCommand helpers write under ~/.config, ~/.cache and ~/.local.
        Assert.Contains("NoNewPrivileges=yes\nPrivateTmp=yes\nProtectSystem=full\n", unit, StringComparison.Ordinal);
        Assert.DoesNotContain("ProtectHome", unit, StringComparison.Ordinal);
        Assert.DoesNotContain("MemoryDenyWriteExecute", unit, StringComparison.Ordinal);
        Assert.EndsWith("[Install]\nWantedBy=default.target\n", unit, StringComparison.Ordinal);
    }

    [Fact]
    public void InstallAndUninstallAreIdempotentWithAUserManager()
    {
        var runner = new FakeRunner();
        var systemd = Systemd(runner);
        var report = new StringWriter();

        Assert.Equal(ServiceOutcome.Done, systemd.Install(Spec(), report));
        Assert.Equal(SystemdUnit.Render(Spec()), File.ReadAllText(systemd.DefinitionPath));
        Assert.Equal(SafeFile.Public, File.GetUnixFileMode(systemd.DefinitionPath));
        Assert.Equal(["systemctl --user show-environment", "systemctl --user daemon-reload", "systemctl --user enable --now ssh-mux.service", "systemctl --user try-restart ssh-mux.service"], runner.Commands);
        Assert.Contains($"wrote {systemd.DefinitionPath}", report.ToString(), StringComparison.Ordinal);

        runner.Commands.Clear();
        report = new StringWriter();
        Assert.Equal(ServiceOutcome.Done, systemd.Install(Spec(), report));
        Assert.Equal(["systemctl --user show-environment", "systemctl --user enable --now ssh-mux.service"], runner.Commands);
        Assert.Contains($"unchanged {systemd.DefinitionPath}", report.ToString(), StringComparison.Ordinal);

        File.WriteAllText(directory.Config, "Include ssh-mux-hosts.conf\n");
        runner.Commands.Clear();
        Assert.Equal(ServiceOutcome.Done, systemd.Uninstall(report));
        Assert.Equal(["systemctl --user show-environment", "systemctl --user disable --now ssh-mux.service", "systemctl --user daemon-reload"], runner.Commands);
        Assert.False(File.Exists(systemd.DefinitionPath));
        Assert.True(File.Exists(directory.Config), "uninstall leaves the user's config");

        runner.Commands.Clear();
        report = new StringWriter();
        Assert.Equal(ServiceOutcome.Done, systemd.Uninstall(report));
        Assert.Equal(["systemctl --user show-environment"], runner.Commands);
        Assert.Contains("not installed", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAUserManagerTheUnitIsWrittenAndTheReportSaysHowToStartIt()
    {
        var runner = new FakeRunner(reachable: false);
        var systemd = Systemd(runner);
        var report = new StringWriter();
        Assert.Equal(ServiceOutcome.ManagerUnreachable, systemd.Install(Spec(), report));
        Assert.True(File.Exists(systemd.DefinitionPath));
        Assert.Equal(["systemctl --user show-environment"], runner.Commands);
        Assert.Contains("systemctl --user daemon-reload && systemctl --user enable --now ssh-mux.service", report.ToString(), StringComparison.Ordinal);

        Assert.Equal(ServiceOutcome.ManagerUnreachable, systemd.Uninstall(report));
        Assert.False(File.Exists(systemd.DefinitionPath));
    }

    [Fact]
    public void AFailingServiceManagerIsReportedWithItsOutput()
    {
        var report = new StringWriter();
        var code = InstallCommand.Run("install", report, (backend, dir) => backend.Install(Spec(), report),
            Systemd(new FakeRunner(failing: "enable")), directory);
        Assert.Equal(ExitCodes.ServiceManagerFailed, code);
        Assert.Contains("ran systemctl --user enable --now ssh-mux.service: failed with exit code 1\nFailed to enable unit: Access denied", report.ToString(), StringComparison.Ordinal);
        Assert.Contains($"log: {directory.Log}", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ASymlinkedUnitIsRefused()
    {
        var systemd = Systemd(new FakeRunner());
        Directory.CreateDirectory(Path.GetDirectoryName(systemd.DefinitionPath)!);
        File.WriteAllText(temp.File("elsewhere"), "x");
        File.CreateSymbolicLink(systemd.DefinitionPath, temp.File("elsewhere"));
        var report = new StringWriter();
        var code = InstallCommand.Run("install", report, (backend, dir) => backend.Install(Spec(), report), systemd, directory);
        Assert.Equal(ExitCodes.ConfigRefused, code);
        Assert.Equal("x", File.ReadAllText(temp.File("elsewhere")));
    }

    [Fact]
    public async Task SystemdAnalyzeVerifiesTheUnit()
    {
        var analyze = Peers.Find("systemd-analyze");
        Assert.True(analyze is not null, "systemd-analyze is not installed (apt-get install systemd; ./test.sh installs it)");
        var runtime = temp.File("runtime");
        Directory.CreateDirectory(runtime);
        File.SetUnixFileMode(runtime, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // The test host is a real executable, as ExecStart must be.
        var systemd = Systemd(new FakeRunner(reachable: false));
        systemd.Install(Spec(Environment.ProcessPath!), TextWriter.Null);
        var result = await PipedProcess.RunAsync("systemd-analyze", analyze, ["--user", "verify", systemd.DefinitionPath], null, TimeSpan.FromSeconds(60),
            new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = runtime, ["SYSTEMD_LOG_LEVEL"] = "notice" });
        Assert.True(result.ExitCode == 0 && result.StdoutText.Trim().Length == 0 && result.StderrText.Trim().Length == 0, result.ToString());
    }

    [Fact]
    public void LaunchdAgentPlistIsWellFormedAndLoadedIntoTheGuiDomain()
    {
        var spec = Spec("/Applications/ssh-mux & co/<ssh-mux>");
        var plist = XDocument.Parse(LaunchdAgent.Render(spec), LoadOptions.None);
        var strings = plist.Descendants("array").Single().Elements("string").Select(e => e.Value).ToArray();
        Assert.Equal(new[] { spec.Program }.Concat(spec.Arguments), strings);
        Assert.Contains("<key>RunAtLoad</key>\n  <true/>", LaunchdAgent.Render(spec), StringComparison.Ordinal);

        var runner = new FakeRunner(reachable: false);
        var agent = new LaunchdAgent(temp.File("home"), 501, runner, FileSafety.Default);
        Assert.Equal(ServiceOutcome.Done, agent.Install(spec, TextWriter.Null));
        Assert.Equal(temp.File("home/Library/LaunchAgents/io.github.ssh-mux.plist"), agent.DefinitionPath);
        Assert.Equal(["launchctl print gui/501/io.github.ssh-mux", $"launchctl bootstrap gui/501 {agent.DefinitionPath}"], runner.Commands);
        Assert.Equal(ServiceOutcome.Done, agent.Uninstall(TextWriter.Null));
        Assert.False(File.Exists(agent.DefinitionPath));
    }

    [Fact]
    public void WindowsStartupScriptStartsServeWithoutAWindow()
    {
        // Built directly: ServiceSpec.Create would resolve a Windows path against the Linux working directory.
        var spec = new ServiceSpec(@"C:\Users\kim\.ssh\ssh-mux.exe", ["serve", "--config", @"C:\Users\kim\.ssh\ssh-mux-routes.toml", "-p", "2222", "--timeout", "600", "--max-lifetime", "43200"],
            new SshDirectory(@"C:\Users\kim\.ssh"), @"C:\Users\kim\.ssh\ssh-mux-routes.toml");
        Assert.Equal(
            "' Written by `ssh-mux install`; `ssh-mux uninstall` removes it.\r\n"
            + "Set shell = CreateObject(\"WScript.Shell\")\r\n"
            + "shell.Run \"\"\"C:\\Users\\kim\\.ssh\\ssh-mux.exe\"\" \"\"serve\"\" \"\"--config\"\" \"\"C:\\Users\\kim\\.ssh\\ssh-mux-routes.toml\"\" \"\"-p\"\" \"\"2222\"\" \"\"--timeout\"\" \"\"600\"\" \"\"--max-lifetime\"\" \"\"43200\"\"\", 0, False\r\n",
            WindowsStartup.Render(spec));

        var runner = new FakeRunner();
        var startup = new WindowsStartup(temp.Path, runner, FileSafety.Default);
        startup.Install(spec, TextWriter.Null);
        Assert.Single(runner.Started);
        startup.Uninstall(TextWriter.Null);
        Assert.False(File.Exists(startup.DefinitionPath));
    }
}
