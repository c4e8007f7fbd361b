namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// Takes a running <see cref="SshdInstance"/> down and up again on the same port with the
/// same configuration and host keys, as when the upstream host reboots or its sshd restarts.
/// </summary>
public static class SshdRestart
{
    /// <summary>Kills sshd's per-connection processes (and their sessions) but leaves the listener running.</summary>
    public static int KillConnections(SshdInstance sshd)
    {
        ArgumentNullException.ThrowIfNull(sshd);
        var children = ProcStatus.Children(sshd.Process.Id);
        foreach (var pid in children)
        {
            try
            {
                using var child = System.Diagnostics.Process.GetProcessById(pid);
                child.Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // Exited already.
            }
            catch (InvalidOperationException)
            {
                // Exited already.
            }
        }

        return children.Count;
    }

    /// <summary>Kills sshd with every child (the listener, connections and sessions).</summary>
    public static ValueTask KillAllAsync(SshdInstance sshd)
    {
        ArgumentNullException.ThrowIfNull(sshd);
        return sshd.Process.DisposeAsync();
    }

    /// <summary>
    /// Starts sshd again from the killed instance's configuration file (its temp directory
    /// lives until the instance is disposed). The caller disposes the returned process before
    /// the instance.
    /// </summary>
    public static async Task<PeerProcess> StartAgainAsync(SshdInstance sshd)
    {
        ArgumentNullException.ThrowIfNull(sshd);
        var arguments = sshd.Process.CommandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var f = Array.IndexOf(arguments, "-f");
        if (f < 0 || f + 1 >= arguments.Length)
        {
            throw new InvalidOperationException("No -f CONFIG in " + sshd.Process.CommandLine);
        }

        var process = PeerProcess.Start($"sshd:{sshd.Port} (restarted)", Peers.Require(Peers.Sshd), ["-f", arguments[f + 1], "-D", "-e"]);
        try
        {
            var listening = $"Server listening on 127.0.0.1 port {sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}.";
            await process.WaitForLineAsync(l => l.Contains(listening, StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the listening socket").ConfigureAwait(false);
            return process;
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
