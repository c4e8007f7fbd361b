using System.Globalization;

namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// Runs Dropbear's client (dbclient) against a loopback port. -y -y skips host key checking;
/// dbclient prints little, so tests judge the negotiation from our server's side.
/// </summary>
public static class DropbearClient
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task<ClientRun> RunAsync(InteropRun run, int port, string? cipher = null, string? mac = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var dbclient = Peers.Require(Peers.DbClient);
        List<string> arguments = ["-y", "-y", "-T", "-p", port.ToString(CultureInfo.InvariantCulture), "-l", "sshmux-interop"];
        if (cipher is not null)
        {
            arguments.AddRange(["-c", cipher]);
        }

        if (mac is not null)
        {
            arguments.AddRange(["-m", mac]);
        }

        arguments.AddRange(["127.0.0.1", "true"]);

        // HOME points at an empty directory so no ~/.ssh/id_dropbear is offered or prompted for.
        using var home = new TempDirectory("sshmux-dbclient-");
        var process = run.Track(PeerProcess.Start("dbclient", dbclient, arguments, new Dictionary<string, string> { ["HOME"] = home.Path }));
        try
        {
            var code = await process.WaitForExitAsync(Timeout).ConfigureAwait(false);
            return new ClientRun(code, process);
        }
        finally
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }
    }
}
