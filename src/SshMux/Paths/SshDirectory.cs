namespace SshMux.Paths;

/// <summary>The user's SSH directory (~/.ssh, or SSH_MUX_SSH_DIR) and the files ssh-mux keeps there.</summary>
/// <param name="isOverride">Whether the path came from SSH_MUX_SSH_DIR (see <see cref="Resolve"/>).</param>
internal sealed class SshDirectory(string path, bool isOverride = false)
{
    /// <summary>Moves every ssh-mux path (config, keys, known_hosts, log) to another directory.</summary>
    public const string OverrideVariable = "SSH_MUX_SSH_DIR";

    public string Path { get; } = path;

    /// <summary>Whether <see cref="Path"/> came from <see cref="OverrideVariable"/> rather than ~/.ssh.</summary>
    public bool IsOverride { get; } = isOverride;

    /// <summary>~/.ssh, or SSH_MUX_SSH_DIR when set (validated; see <see cref="Resolve"/>).</summary>
    public static SshDirectory ForCurrentUser() => Resolve(Environment.GetEnvironmentVariable, FileSafety.Default);

    /// <summary>
    /// SSH_MUX_SSH_DIR when set, else ~/.ssh. The override must be an absolute path to an
    /// existing directory that passes <see cref="FileSafety.CheckDirectory"/> (no symlink up to
    /// the root, owned by the user or root, not group/world-writable). An unsafe override
    /// throws <see cref="UnsafePathException"/>: falling back to ~/.ssh would silently write
    /// keys and config where the user said not to, so it fails closed. It must already exist
    /// so that its permissions are the user's choice, not inherited from a permissive parent.
    /// </summary>
    public static SshDirectory Resolve(Func<string, string?> environment, FileSafety safety)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(safety);
        var custom = environment(OverrideVariable);
        if (!string.IsNullOrEmpty(custom))
        {
            if (!System.IO.Path.IsPathFullyQualified(custom))
            {
                throw new UnsafePathException(custom, $"{OverrideVariable} must be an absolute path");
            }

            if (custom.Any(char.IsControl))
            {
                throw new UnsafePathException(custom, $"{OverrideVariable} contains a control character");
            }

            var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(custom));
            try
            {
                safety.CheckDirectory(full);
            }
            catch (UnsafePathException e)
            {
                throw new UnsafePathException(full, $"{OverrideVariable} is not safe to use: {e.Problem}"
                    + (e.UnsafePath == full ? string.Empty : $" ({e.UnsafePath})"));
            }

            return new SshDirectory(full, isOverride: true);
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home))
        {
            throw new InvalidOperationException("Cannot find the home directory (HOME is not set)");
        }

        return new SshDirectory(System.IO.Path.Combine(home, ".ssh"));
    }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The local server's own host key, generated on first start.</summary>
    public string HostKey => File("ssh-mux_host_ed25519_key");

    /// <summary>Keys allowed to use the local server.</summary>
    public string AuthorizedKeys => File("ssh-mux-authorized-keys");

    public string KnownHosts => File("known_hosts");

    /// <summary>The user's ssh client configuration.</summary>
    public string Config => File("config");

    /// <summary>The Host blocks setup-config generates, included from <see cref="Config"/>.</summary>
    public string HostsConfig => File("ssh-mux-hosts.conf");

    /// <summary>The local server's host key, pinned for the generated Host blocks.</summary>
    public string LocalKnownHosts => File("ssh-mux-known-hosts");

    /// <summary>The routes file.</summary>
    public string Routes => File("ssh-mux-routes.toml");

    /// <summary>The daemon's and serve's log, rotated to <see cref="LogOld"/>.</summary>
    public string Log => File("ssh-mux.log");

    public string LogOld => File("ssh-mux.log.old");

    /// <summary>Default identities, in the order OpenSSH tries them.</summary>
    public IEnumerable<string> DefaultIdentities => new[] { "id_ed25519", "id_ecdsa", "id_rsa" }.Select(File);
}
