using System.Globalization;
using System.Text;
using SshMux.Routing;

namespace SshMux.Setup;

/// <summary>
/// ssh-mux-hosts.conf: one Host block per route that sends ssh to the local server as the
/// route's user, and ssh-mux-known-hosts, which pins the local server's host key.
/// </summary>
internal static class HostsFile
{
    /// <summary>
    /// The name the local server's key is pinned under. Every route shares it through
    /// HostKeyAlias, so one known_hosts line covers them all and does not depend on the port
    /// (ssh looks an alias up without the [host]:port form).
    /// </summary>
    public const string HostKeyAlias = "ssh-mux-local";

    /// <param name="knownHostsPath">ssh-mux-known-hosts.</param>
    /// <param name="hostKeyPinned">Whether that file holds the local key; when not, StrictHostKeyChecking is accept-new so the first connection pins it.</param>
    /// <param name="identityFiles">Keys the local server is known to accept; when any, only they are offered (IdentitiesOnly).</param>
    public static string Render(IReadOnlyList<Route> routes, int port, string knownHostsPath, bool hostKeyPinned, IReadOnlyList<string> identityFiles)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(identityFiles);
        var knownHosts = SshConfigText.Path(knownHostsPath, expandsTokens: true, globs: false);
        var identities = identityFiles.Select(f => SshConfigText.Path(f, expandsTokens: true, globs: false)).ToArray();
        var text = new StringBuilder();
        text.Append("# Written by `ssh-mux setup-config` from the routes; every run replaces this file.\n");
        text.Append("# Edit the routes file and run setup-config again instead of editing it.\n");
        foreach (var route in routes.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"\nHost {route.Name}\n");
            text.Append("    HostName 127.0.0.1\n");
            text.Append(CultureInfo.InvariantCulture, $"    Port {port}\n");

            // The local server picks the route by the user name.
            text.Append(CultureInfo.InvariantCulture, $"    User {route.Name}\n");
            text.Append(CultureInfo.InvariantCulture, $"    HostKeyAlias {HostKeyAlias}\n");
            text.Append(CultureInfo.InvariantCulture, $"    UserKnownHostsFile {knownHosts}\n");
            text.Append("    GlobalKnownHostsFile none\n");
            text.Append(hostKeyPinned ? "    StrictHostKeyChecking yes\n" : "    StrictHostKeyChecking accept-new\n");

            // Publickey only: a process squatting on the port cannot phish a password or OTP.
            text.Append("    PreferredAuthentications publickey\n");
            text.Append("    PasswordAuthentication no\n");
            text.Append("    KbdInteractiveAuthentication no\n");
            if (identities.Length > 0)
            {
                text.Append("    IdentitiesOnly yes\n");
                foreach (var identity in identities)
                {
                    text.Append(CultureInfo.InvariantCulture, $"    IdentityFile {identity}\n");
                }
            }
        }

        return text.ToString();
    }

    /// <summary>The known_hosts text for the local server's public key line ("type base64 [comment]"), or a bare comment when there is no key yet.</summary>
    public static string RenderKnownHosts(string? publicKeyLine)
    {
        const string Header = "# Written by `ssh-mux setup-config`: the local ssh-mux server's host key.\n";
        if (publicKeyLine is null)
        {
            return Header + "# No host key yet: the first connection pins it (StrictHostKeyChecking accept-new).\n";
        }

        var fields = publicKeyLine.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return Header + $"{HostKeyAlias} {fields[0]} {fields[1]}\n";
    }
}
