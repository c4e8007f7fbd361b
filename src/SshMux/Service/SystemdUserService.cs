using SshMux.Paths;

namespace SshMux.Service;

/// <summary>
/// Linux: ssh-mux.service in ~/.config/systemd/user (or $XDG_CONFIG_HOME/systemd/user),
/// enabled for default.target so it starts at login, and started now, when `systemctl --user`
/// reaches a user manager. Without one (no user session bus: containers, ssh sessions without
/// lingering) the unit is written and the report says how to start it.
/// </summary>
internal sealed class SystemdUserService(string configHome, ICommandRunner runner, FileSafety safety) : IServiceBackend
{
    private const string Systemctl = "systemctl";

    public string UnitDirectory { get; } = Path.Combine(configHome, "systemd", "user");

    public string DefinitionPath => Path.Combine(UnitDirectory, SystemdUnit.FileName);

    public ServiceOutcome Install(ServiceSpec spec, TextWriter report)
    {
        ArgumentNullException.ThrowIfNull(report);
        SafeFile.CreatePrivateDirectory(UnitDirectory);
        var changed = SafeFile.WriteText(safety, DefinitionPath, SystemdUnit.Render(spec), SafeFile.Public);
        report.WriteLine(changed ? $"wrote {DefinitionPath}" : $"unchanged {DefinitionPath}");
        if (!Reachable())
        {
            report.WriteLine("no systemd user manager is reachable (no user session bus), so nothing was started; in a login session run:");
            report.WriteLine($"  systemctl --user daemon-reload && systemctl --user enable --now {SystemdUnit.FileName}");
            return ServiceOutcome.ManagerUnreachable;
        }

        // A changed unit must be reloaded, and a running service restarted to pick it up.
        string[][] steps = changed
            ? [["daemon-reload"], ["enable", "--now", SystemdUnit.FileName], ["try-restart", SystemdUnit.FileName]]
            : [["enable", "--now", SystemdUnit.FileName]];
        return RunAll(steps, report) ? ServiceOutcome.Done : ServiceOutcome.ManagerFailed;
    }

    public ServiceOutcome Uninstall(TextWriter report)
    {
        ArgumentNullException.ThrowIfNull(report);
        safety.CheckFile(DefinitionPath);
        var exists = File.Exists(DefinitionPath);
        var reachable = Reachable();
        if (reachable && exists && !RunAll([["disable", "--now", SystemdUnit.FileName]], report))
        {
            return ServiceOutcome.ManagerFailed;
        }

        if (!exists)
        {
            report.WriteLine($"not installed: {DefinitionPath} does not exist");
            return ServiceOutcome.Done;
        }

        File.Delete(DefinitionPath);
        report.WriteLine($"removed {DefinitionPath}");
        if (!reachable)
        {
            report.WriteLine("no systemd user manager is reachable; if ssh-mux is still running, stop it with: systemctl --user stop " + SystemdUnit.FileName);
            return ServiceOutcome.ManagerUnreachable;
        }

        return RunAll([["daemon-reload"]], report) ? ServiceOutcome.Done : ServiceOutcome.ManagerFailed;
    }

    private bool Reachable() => runner.Run(Systemctl, ["--user", "show-environment"]).ExitCode == 0;

    private bool RunAll(string[][] steps, TextWriter report)
    {
        foreach (var step in steps)
        {
            string[] arguments = ["--user", .. step];
            var result = runner.Run(Systemctl, arguments);
            report.WriteLine($"ran systemctl {string.Join(' ', arguments)}" + (result.ExitCode == 0 ? string.Empty : $": failed with exit code {result.ExitCode}"));
            if (result.ExitCode != 0)
            {
                if (result.Output.Length > 0)
                {
                    report.WriteLine(result.Output);
                }

                return false;
            }
        }

        return true;
    }
}
