using System.Diagnostics;

namespace SshMux.Service;

internal sealed record CommandResult(int ExitCode, string Output);

/// <summary>How install and uninstall talk to the service manager: a seam so tests see the commands without one.</summary>
internal interface ICommandRunner
{
    /// <summary>Runs a program to the end (stdin closed) and returns its exit code and output.</summary>
    CommandResult Run(string program, IReadOnlyList<string> arguments);

    /// <summary>Starts a program in the background without waiting for it.</summary>
    void Start(string program, IReadOnlyList<string> arguments);
}

internal sealed class ProcessCommandRunner : ICommandRunner
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static ProcessCommandRunner Instance { get; } = new();

    public CommandResult Run(string program, IReadOnlyList<string> arguments)
    {
        try
        {
            using var process = Process.Start(Info(program, arguments, redirect: true))!;
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Limit))
            {
                process.Kill(entireProcessTree: true);
                return new CommandResult(-1, $"{program} did not finish within {Limit.TotalSeconds:0} s");
            }

            return new CommandResult(process.ExitCode, (stdout.Result + stderr.Result).Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new CommandResult(-1, $"cannot run {program}: {e.Message}");
        }
    }

    public void Start(string program, IReadOnlyList<string> arguments)
    {
        using var process = Process.Start(Info(program, arguments, redirect: false));
    }

    private static ProcessStartInfo Info(string program, IReadOnlyList<string> arguments, bool redirect)
    {
        var info = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardInput = redirect,
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}
