using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SshMux.Interop.Tests.Harness;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>The JSON a script client printed, and the run it came from.</summary>
public sealed record ScriptResult(CapturedResult Run, JsonElement Json)
{
    public byte[] Bytes(string property) => Convert.FromBase64String(Json.GetProperty(property).GetString()!);

    public string Text(string property) => System.Text.Encoding.UTF8.GetString(Bytes(property));

    public int Int(string property) => Json.GetProperty(property).GetInt32();

    public string String(string property) => Json.GetProperty(property).GetString()!;
}

/// <summary>
/// Peers that are scripts for an interpreter (Paramiko under /usr/bin/python3, ssh2 under
/// node): the script is written to the test's directory and run there, a client to its end
/// (its last stdout line is its JSON result), a server until the test disposes it.
/// </summary>
public static partial class ScriptPeer
{
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(90);

    public static Task<ScriptResult> ParamikoClientAsync(InteropRun run, string directory, IEnumerable<string> arguments) =>
        ClientAsync(run, "paramiko client", PeerPrograms.SystemPython, Write(directory, "paramiko_client.py", ParamikoScripts.Client), arguments, null);

    public static Task<ScriptResult> NodeClientAsync(InteropRun run, string directory, IEnumerable<string> arguments) =>
        ClientAsync(run, "ssh2 client", Peers.Require("node"), Write(directory, "ssh2_client.js", NodeSsh2Scripts.Client), arguments, NodeEnvironment());

    public static Task<(PeerProcess Process, int Port)> ParamikoServerAsync(InteropRun run, string directory, IEnumerable<string> arguments) =>
        ServerAsync(run, "paramiko server", PeerPrograms.SystemPython, Write(directory, "paramiko_server.py", ParamikoScripts.Server), arguments, null);

    public static Task<(PeerProcess Process, int Port)> NodeServerAsync(InteropRun run, string directory, IEnumerable<string> arguments) =>
        ServerAsync(run, "ssh2 server", Peers.Require("node"), Write(directory, "ssh2_server.js", NodeSsh2Scripts.Server), arguments, NodeEnvironment());

    internal static Dictionary<string, string> NodeEnvironment() => new() { ["NODE_PATH"] = PeerPrograms.NodeModules };

    internal static string Write(string directory, string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<ScriptResult> ClientAsync(InteropRun run, string name, string interpreter, string script, IEnumerable<string> arguments, Dictionary<string, string>? environment)
    {
        var variables = new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null };
        foreach (var (key, value) in environment ?? [])
        {
            variables[key] = value;
        }

        var result = await CapturedProcess.RunAsync(run, name, interpreter, [script, .. arguments], ClientTimeout, variables).ConfigureAwait(false);
        Assert.True(result.ExitCode == 0, result.ToString());
        var last = result.StdoutText.TrimEnd().Split('\n')[^1];
        using var document = JsonDocument.Parse(last);
        return new ScriptResult(result, document.RootElement.Clone());
    }

    internal static async Task<(PeerProcess Process, int Port)> ServerAsync(InteropRun run, string name, string interpreter, string script, IEnumerable<string> arguments, Dictionary<string, string>? environment)
    {
        var process = run.Track(PeerProcess.Start(name, interpreter, [script, .. arguments], environment));
        try
        {
            var line = await process.WaitForLineAsync(l => Listening().IsMatch(l), TimeSpan.FromSeconds(30), "\"listening PORT\"").ConfigureAwait(false);
            return (process, int.Parse(Listening().Match(line).Groups[1].Value, CultureInfo.InvariantCulture));
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    [GeneratedRegex(@"^listening (\d+)$")]
    private static partial Regex Listening();
}
