using System.Text;
using SshMux.Paths;

namespace SshMux.Service;

/// <summary>
/// Windows: ssh-mux.vbs in the user's Startup folder (resolved by the caller through the Known
/// Folder API, Environment.SpecialFolder.Startup, not %APPDATA%), which starts serve without a
/// console window at logon; install also starts it now, directly (no shell, no PowerShell).
/// uninstall removes the script; stopping a running serve is left to `ssh-mux stop`. The
/// script text is unit-tested; nothing here has run on Windows yet.
/// </summary>
internal sealed class WindowsStartup(string startupFolder, ICommandRunner runner, FileSafety safety) : IServiceBackend
{
    public string DefinitionPath => Path.Combine(startupFolder, ServiceSpec.Name + ".vbs");

    public static string Render(ServiceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);

        // A Windows command line: each word in quotes (ServiceSpec refuses quotes in them);
        // VBScript doubles a quote inside a string literal.
        var commandLine = string.Join(' ', new[] { spec.Program }.Concat(spec.Arguments).Select(a => $"\"{a}\""));
        var text = new StringBuilder();
        text.Append("' Written by `ssh-mux install`; `ssh-mux uninstall` removes it.\r\n");
        text.Append("Set shell = CreateObject(\"WScript.Shell\")\r\n");
        foreach (var (name, value) in spec.Environment)
        {
            text.Append($"shell.Environment(\"Process\")(\"{name}\") = \"{value}\"\r\n");
        }

        text.Append("shell.Run \"").Append(commandLine.Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\", 0, False\r\n");
        return text.ToString();
    }

    public ServiceOutcome Install(ServiceSpec spec, TextWriter report)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(report);
        var changed = SafeFile.WriteText(safety, DefinitionPath, Render(spec), SafeFile.Public);
        report.WriteLine(changed ? $"wrote {DefinitionPath}" : $"unchanged {DefinitionPath}");
        runner.Start(spec.Program, spec.Arguments);
        report.WriteLine($"started {spec.Program} {string.Join(' ', spec.Arguments)}");
        return ServiceOutcome.Done;
    }

    public ServiceOutcome Uninstall(TextWriter report)
    {
        ArgumentNullException.ThrowIfNull(report);
        safety.CheckFile(DefinitionPath);
        if (!File.Exists(DefinitionPath))
        {
            report.WriteLine($"not installed: {DefinitionPath} does not exist");
            return ServiceOutcome.Done;
        }

        File.Delete(DefinitionPath);
        report.WriteLine($"removed {DefinitionPath}; stop a running ssh-mux with `ssh-mux stop`");
        return ServiceOutcome.Done;
    }
}
