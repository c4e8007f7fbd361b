using SshMux.Paths;
using SshMux.Routing;
using SshMux.Ssh.Keys;

namespace SshMux.Setup;

/// <summary>What one setup-config run wrote.</summary>
internal sealed record SetupResult(IReadOnlyList<string> Written, IReadOnlyList<string> Unchanged, bool HostKeyPinned);

/// <summary>
/// `ssh-mux setup-config`: lets a plain `ssh ROUTE` reach the local server. Checks every route
/// and path first and writes nothing when one is bad; then writes, each file atomically and
/// only when its content changes (so a second run is a no-op): ssh-mux-known-hosts,
/// ssh-mux-hosts.conf, ~/.ssh/config (Include at the top, clashing Host blocks commented
/// out), and on Windows with a non-ASCII home the Cursor askpass wrappers.
/// </summary>
internal static class SshConfigSetup
{
    public static SetupResult Apply(SshDirectory directory, IReadOnlyList<Route> routes, int port, TextWriter report,
        FileSafety? safety = null, SetupPlatform? platform = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(report);
        safety ??= FileSafety.Default;
        platform ??= SetupPlatform.Current;
        if (port is < 1 or > 65535)
        {
            throw new SetupException($"port {port} is not between 1 and 65535");
        }

        SshConfigText.ValidateRoutes(routes);
        if (routes.Count == 0)
        {
            report.WriteLine("setup-config: the routes file defines no route; the generated file will have no Host block");
        }

        EnsureDirectory(directory, safety);
        var publicKey = ReadHostPublicKey(directory, safety);
        var identities = AcceptedIdentities(directory, safety);
        var includeLine = "Include " + SshConfigText.Path(directory.HostsConfig, expandsTokens: false, globs: true);
        var hosts = HostsFile.Render(routes, port, directory.LocalKnownHosts, publicKey is not null, identities);
        var knownHosts = HostsFile.RenderKnownHosts(publicKey);
        var original = SafeFile.ReadText(safety, directory.Config);
        var edit = UserConfigEditor.Edit(original, includeLine, routes.Select(r => r.Name).ToArray());
        var wrappers = CursorAskpass.Needed(platform) ? CursorAskpass.Render(directory.Path, platform.SystemDirectory) : [];

        // Every target is checked before the first write, so a refusal leaves nothing half done.
        foreach (var path in new[] { directory.LocalKnownHosts, directory.HostsConfig, directory.Config }.Concat(wrappers.Select(w => directory.File(w.Name))))
        {
            safety.CheckFile(path);
        }

        var written = new List<string>();
        var unchanged = new List<string>();
        void Write(string path, string text, UnixFileMode mode) =>
            (SafeFile.WriteText(safety, path, text, mode) ? written : unchanged).Add(path);

        Write(directory.LocalKnownHosts, knownHosts, SafeFile.Public);
        Write(directory.HostsConfig, hosts, SafeFile.Public);

        // ssh refuses a config others can write; keep the user's own mode otherwise.
        var configMode = original is not null && !OperatingSystem.IsWindows()
            ? File.GetUnixFileMode(directory.Config) & ~(UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)
            : SafeFile.Secret;
        Write(directory.Config, edit.Text, configMode);
        foreach (var (name, text) in wrappers)
        {
            Write(directory.File(name), text, SafeFile.Public);
        }

        foreach (var path in written)
        {
            report.WriteLine($"wrote {path}");
        }

        foreach (var path in unchanged)
        {
            report.WriteLine($"unchanged {path}");
        }

        if (edit.IncludeAdded)
        {
            report.WriteLine($"added \"{includeLine}\" at the top of {directory.Config}");
        }

        foreach (var host in edit.Disabled)
        {
            report.WriteLine($"commented out \"Host {host}\" in {directory.Config}: it names a route (a later run restores it once the route is gone)");
        }

        foreach (var host in edit.Restored)
        {
            report.WriteLine($"restored \"Host {host}\" in {directory.Config}: no route uses that name any more");
        }

        report.WriteLine(publicKey is not null
            ? $"pinned the local server's host key ({directory.HostKey}.pub) in {directory.LocalKnownHosts}"
            : $"no host key at {directory.HostKey} yet: the first connection pins it (StrictHostKeyChecking accept-new); run setup-config again after the server has started to pin it strictly");
        if (wrappers.Count > 0)
        {
            report.WriteLine($"Cursor: set remote.SSH.path to {directory.File(CursorAskpass.SshWrapperName)}");
        }

        report.WriteLine($"{routes.Count} route(s) on 127.0.0.1:{port}: " + string.Join(", ", routes.Select(r => "ssh " + r.Name)));
        return new SetupResult(written, unchanged, publicKey is not null);
    }

    private static void EnsureDirectory(SshDirectory directory, FileSafety safety)
    {
        // ~/.ssh may not exist on a fresh account; SSH_MUX_SSH_DIR must (SshDirectory.Resolve).
        if (!directory.IsOverride)
        {
            SafeFile.CreatePrivateDirectory(directory.Path);
        }

        safety.CheckDirectory(directory.Path);
    }

    /// <summary>The "type base64" line of the local server's host key, or null when there is none yet.</summary>
    private static string? ReadHostPublicKey(SshDirectory directory, FileSafety safety)
    {
        var line = SafeFile.ReadText(safety, directory.HostKey + ".pub");
        if (line is not null)
        {
            return SshPublicKeyLine.TryParse(line.Trim(), out var parsed)
                ? SshPublicKeyLine.Format(parsed.Key, null)
                : throw new SetupException($"{directory.HostKey}.pub is not an OpenSSH public key line");
        }

        safety.CheckFile(directory.HostKey);
        if (!File.Exists(directory.HostKey))
        {
            return null;
        }

        using var file = PrivateKeyFile.Load(directory.HostKey);
        return SshPublicKeyLine.Format(file.Key.PublicKey, null);
    }

    /// <summary>
    /// The user's default keys (id_ed25519, id_ecdsa, id_rsa) that ssh-mux-authorized-keys
    /// lists. When there are any, the Host blocks offer only them (IdentitiesOnly): an agent
    /// full of other keys would otherwise use up the server's authentication attempts. With no
    /// such file (the server then takes every ~/.ssh/*.pub) or no match, ssh's defaults stay.
    /// </summary>
    private static List<string> AcceptedIdentities(SshDirectory directory, FileSafety safety)
    {
        var authorized = SafeFile.ReadText(safety, directory.AuthorizedKeys);
        if (authorized is null)
        {
            return [];
        }

        var blobs = authorized.Split(['\n', '\r', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var accepted = new List<string>();
        foreach (var identity in directory.DefaultIdentities)
        {
            if (!File.Exists(identity) || SafeFile.ReadText(safety, identity + ".pub") is not { } pub
                || !SshPublicKeyLine.TryParse(pub.Trim(), out var parsed))
            {
                continue;
            }

            if (blobs.Contains(Convert.ToBase64String(parsed.Key.Blob.Span)))
            {
                accepted.Add(identity);
            }
        }

        return accepted;
    }
}
