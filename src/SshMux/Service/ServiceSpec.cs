using System.Globalization;
using SshMux.Paths;
using SshMux.Setup;

namespace SshMux.Service;

/// <summary>
/// What the per-user service runs: this ssh-mux binary (by absolute path, so the service
/// does not depend on PATH) with `serve --config ROUTES -p PORT --timeout T --max-lifetime L`,
/// and SSH_MUX_SSH_DIR when the user set one.
/// </summary>
internal sealed record ServiceSpec(string Program, IReadOnlyList<string> Arguments, SshDirectory Directory, string RoutesFile)
{
    /// <summary>The service's name: the systemd unit, the launchd label's last part, the Startup script.</summary>
    public const string Name = "ssh-mux";

    public const int DefaultPort = 2222;
    public const int DefaultTimeout = 600;
    public const int DefaultMaxLifetime = 43200;

    /// <param name="processPath">The running executable (Environment.ProcessPath): the apphost, or the dotnet host.</param>
    /// <param name="entryAssembly">ssh-mux.dll, passed to the dotnet host when that is what runs.</param>
    public static ServiceSpec Create(SshDirectory directory, string? routesFile, int port, int timeout, int maxLifetime,
        string? processPath, string entryAssembly)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (port is < 1 or > 65535)
        {
            throw new SetupException($"port {port} is not between 1 and 65535");
        }

        if (timeout < 1 || maxLifetime < 0)
        {
            throw new SetupException("--timeout must be at least 1 second and --max-lifetime 0 (unlimited) or more");
        }

        if (string.IsNullOrEmpty(processPath) || !Path.IsPathFullyQualified(processPath))
        {
            throw new SetupException("cannot tell the path of the ssh-mux executable to run as a service");
        }

        List<string> arguments = [];
        var program = processPath;
        if (Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            arguments.Add(Path.GetFullPath(entryAssembly));
        }

        var routes = Path.GetFullPath(routesFile ?? directory.Routes);
        arguments.AddRange([
            "daemon", "--config", routes,
            "-p", port.ToString(CultureInfo.InvariantCulture),
            "--timeout", timeout.ToString(CultureInfo.InvariantCulture),
            "--max-lifetime", maxLifetime.ToString(CultureInfo.InvariantCulture),
        ]);
        foreach (var text in arguments.Append(program).Append(directory.Path))
        {
            if (text.Any(c => char.IsControl(c) || c == '"'))
            {
                throw new SetupException($"the path {text} contains a quote or control character and cannot be written into a service definition");
            }
        }

        return new ServiceSpec(program, arguments, directory, routes);
    }

    /// <summary>Environment the service needs: SSH_MUX_SSH_DIR when the directory was overridden.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment => Directory.IsOverride
        ? [new(SshDirectory.OverrideVariable, Directory.Path)]
        : [];
}
