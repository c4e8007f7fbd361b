namespace SshMux.Paths;

/// <summary>The user's SSH directory (~/.ssh) and the files ssh-mux keeps there.</summary>
internal sealed class SshDirectory(string path)
{
    public string Path { get; } = path;

    public static SshDirectory ForCurrentUser()
    {
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

    /// <summary>Default identities, in the order OpenSSH tries them.</summary>
    public IEnumerable<string> DefaultIdentities => new[] { "id_ed25519", "id_ecdsa", "id_rsa" }.Select(File);
}
