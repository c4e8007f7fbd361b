using System.Globalization;
using System.Security;
using System.Text;
using SshMux.Paths;

namespace SshMux.Service;

/// <summary>
/// macOS: a launchd agent (launchd.plist(5)) in ~/Library/LaunchAgents, loaded into the
/// user's GUI domain with `launchctl bootstrap gui/UID`, so it runs now and at every login
/// (RunAtLoad) and is restarted after a crash but not after a clean exit. Generated text is
/// unit-tested on Linux; the launchctl calls are not exercised by a test.
/// </summary>
internal sealed class LaunchdAgent(string home, uint uid, ICommandRunner runner, FileSafety safety) : IServiceBackend
{
    public const string Label = "io.github.ssh-mux";

    private const string Launchctl = "/bin/launchctl";

    public string DefinitionPath => Path.Combine(home, "Library", "LaunchAgents", Label + ".plist");

    private string Domain => "gui/" + uid.ToString(CultureInfo.InvariantCulture);

    public static string Render(ServiceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var text = new StringBuilder();
        text.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        text.Append("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n");
        text.Append("<!-- Written by `ssh-mux install`; `ssh-mux uninstall` removes it. -->\n");
        text.Append("<plist version=\"1.0\">\n<dict>\n");
        text.Append($"  <key>Label</key>\n  <string>{Label}</string>\n");
        text.Append("  <key>ProgramArguments</key>\n  <array>\n");
        foreach (var argument in new[] { spec.Program }.Concat(spec.Arguments))
        {
            text.Append("    <string>").Append(SecurityElement.Escape(argument)).Append("</string>\n");
        }

        text.Append("  </array>\n");
        if (spec.Environment.Count > 0)
        {
            text.Append("  <key>EnvironmentVariables</key>\n  <dict>\n");
            foreach (var (name, value) in spec.Environment)
            {
                text.Append($"    <key>{SecurityElement.Escape(name)}</key>\n    <string>{SecurityElement.Escape(value)}</string>\n");
            }

            text.Append("  </dict>\n");
        }

        text.Append("  <key>RunAtLoad</key>\n  <true/>\n");
        text.Append("  <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n  </dict>\n");
        text.Append("  <key>ProcessType</key>\n  <string>Background</string>\n");
        text.Append("  <key>Umask</key>\n  <integer>63</integer>\n");
        text.Append("</dict>\n</plist>\n");
        return text.ToString();
    }

    public ServiceOutcome Install(ServiceSpec spec, TextWriter report)
    {
        ArgumentNullException.ThrowIfNull(report);
        SafeFile.CreatePrivateDirectory(Path.GetDirectoryName(DefinitionPath)!);
        var changed = SafeFile.WriteText(safety, DefinitionPath, Render(spec), SafeFile.Public);
        report.WriteLine(changed ? $"wrote {DefinitionPath}" : $"unchanged {DefinitionPath}");
        var loaded = runner.Run(Launchctl, ["print", $"{Domain}/{Label}"]).ExitCode == 0;
        if (loaded && !changed)
        {
            report.WriteLine($"already loaded in {Domain}");
            return ServiceOutcome.Done;
        }

        if (loaded)
        {
            Run(["bootout", $"{Domain}/{Label}"], report);
        }

        return Run(["bootstrap", Domain, DefinitionPath], report) ? ServiceOutcome.Done : ServiceOutcome.ManagerFailed;
    }

    public ServiceOutcome Uninstall(TextWriter report)
    {
        ArgumentNullException.ThrowIfNull(report);
        safety.CheckFile(DefinitionPath);
        if (runner.Run(Launchctl, ["print", $"{Domain}/{Label}"]).ExitCode == 0 && !Run(["bootout", $"{Domain}/{Label}"], report))
        {
            return ServiceOutcome.ManagerFailed;
        }

        if (!File.Exists(DefinitionPath))
        {
            report.WriteLine($"not installed: {DefinitionPath} does not exist");
            return ServiceOutcome.Done;
        }

        File.Delete(DefinitionPath);
        report.WriteLine($"removed {DefinitionPath}");
        return ServiceOutcome.Done;
    }

    private bool Run(string[] arguments, TextWriter report)
    {
        var result = runner.Run(Launchctl, arguments);
        report.WriteLine($"ran launchctl {string.Join(' ', arguments)}" + (result.ExitCode == 0 ? string.Empty : $": failed with exit code {result.ExitCode}"));
        if (result.ExitCode != 0 && result.Output.Length > 0)
        {
            report.WriteLine(result.Output);
        }

        return result.ExitCode == 0;
    }
}
