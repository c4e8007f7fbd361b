using System.Text;

namespace SshMux.Service;

/// <summary>
/// The systemd user unit (systemd.service(5), systemd.exec(5)). The sandboxing keeps what
/// ssh-mux needs: write access to the SSH directory (host key, known_hosts, log) and to the
/// runtime directory (%t, the control socket), network sockets, and W+X memory for the .NET
/// JIT, which is why MemoryDenyWriteExecute is absent. In a user manager the mount-namespace
/// options (PrivateTmp, ProtectSystem, ProtectKernel*) need unprivileged user namespaces
/// (systemd.exec(5), PrivateUsers=); on a kernel without them the unit may not start, and
/// `journalctl --user -u ssh-mux` says so. Not exercised here: no user manager on the test machines.
/// </summary>
internal static class SystemdUnit
{
    public const string FileName = ServiceSpec.Name + ".service";

    public static string Render(ServiceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var text = new StringBuilder();
        text.Append("# Written by `ssh-mux install`; `ssh-mux uninstall` removes it.\n");
        text.Append("[Unit]\n");
        text.Append("Description=ssh-mux: one authenticated SSH connection per host, shared by every SSH client\n");
        text.Append("After=network-online.target\n");
        text.Append('\n');
        text.Append("[Service]\n");
        text.Append("Type=exec\n");
        text.Append("ExecStart=").AppendJoin(' ', new[] { spec.Program }.Concat(spec.Arguments).Select(QuoteCommandWord)).Append('\n');
        foreach (var (name, value) in spec.Environment)
        {
            text.Append("Environment=").Append(Quote($"{name}={value}")).Append('\n');
        }

        text.Append("Restart=on-failure\n");
        text.Append("RestartSec=5\n");
        text.Append("NoNewPrivileges=yes\n");
        text.Append("PrivateTmp=yes\n");
        // "full", not "strict": strict makes the home directory read-only too, and the
        // ProxyCommand helpers the daemon runs (coder, cloudflared, gcloud) write their
        // credentials and caches under ~/.config, ~/.cache and ~/.local. /usr, /boot and /etc stay read-only.
        text.Append("ProtectSystem=full\n");

        // "-": a missing directory is not an error (serve creates ~/.ssh on first start). Kept
        // under "full" for an SSH_MUX_SSH_DIR override that lies under /etc.
        text.Append("ReadWritePaths=").Append(Quote("-" + spec.Directory.Path)).Append(" -%t\n");
        text.Append("ProtectKernelTunables=yes\n");
        text.Append("ProtectKernelModules=yes\n");
        text.Append("ProtectKernelLogs=yes\n");
        text.Append("ProtectControlGroups=yes\n");
        text.Append("ProtectClock=yes\n");
        text.Append("ProtectHostname=yes\n");
        text.Append("RestrictSUIDSGID=yes\n");
        text.Append("RestrictRealtime=yes\n");
        text.Append("RestrictNamespaces=yes\n");
        text.Append("LockPersonality=yes\n");
        text.Append("SystemCallArchitectures=native\n");

        // AF_NETLINK: .NET reads interface addresses through it.
        text.Append("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n");
        text.Append("UMask=0077\n");
        text.Append('\n');
        text.Append("[Install]\n");
        text.Append("WantedBy=default.target\n");
        return text.ToString();
    }

    /// <summary>
    /// One word in double quotes: backslash and quote escaped (C-style, as systemd unquotes) and
    /// "%" doubled against specifier expansion. For settings without variable expansion
    /// (Environment=, ReadWritePaths=), where "$$" would stay two dollar signs.
    /// </summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var escaped = word
            .Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("%", "%%", StringComparison.Ordinal);
        return $"\"{escaped}\"";
    }

    /// <summary>A word of ExecStart=, which also expands $NAME and ${NAME}: "$" is doubled as well.</summary>
    public static string QuoteCommandWord(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return Quote(word.Replace("$", "$$", StringComparison.Ordinal));
    }
}
