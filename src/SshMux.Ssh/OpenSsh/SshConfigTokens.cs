using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace SshMux.Ssh.OpenSsh;

/// <summary>What the %-tokens of ssh_config(5) TOKENS stand for on this machine.</summary>
/// <param name="HomeDirectory">%d and ~.</param>
/// <param name="LocalUser">%u.</param>
/// <param name="LocalHostName">%l (the full gethostname() result); %L is its first label.</param>
/// <param name="UserId">%i.</param>
public sealed partial record SshTokenContext(string HomeDirectory, string LocalUser, string LocalHostName, string UserId)
{
    /// <summary>The current user and machine.</summary>
    public static SshTokenContext ForCurrentUser()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var uid = OperatingSystem.IsWindows() ? "0" : NativeMethods.GetUid().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new SshTokenContext(home, Environment.UserName, System.Net.Dns.GetHostName(), uid);
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "getuid")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static partial uint GetUid();
    }
}

/// <summary>
/// %-token and ~ expansion as ssh applies it after reading the configuration (ssh.c,
/// misc.c percent_expand / tilde_expand_filename). An unknown token is an error, as in ssh.
/// </summary>
public static class SshConfigTokens
{
    /// <summary>
    /// IdentityFile / CertificateFile: ~ first, then %% %C %d %h %i %k %L %l %n %p %r %u and
    /// ${VARIABLE} (ssh_config(5) TOKENS and ENVIRONMENT VARIABLES).
    /// </summary>
    /// <param name="host">%h, the final host name.</param>
    /// <param name="alias">%n (and %k when there is no <paramref name="hostKeyAlias"/>, as in ssh).</param>
    /// <param name="hostKeyAlias">%k: HostKeyAlias when one is configured.</param>
    public static string ExpandPath(string path, SshTokenContext context, string host, string alias, int port, string remoteUser, string? hostKeyAlias = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(context);
        var expanded = ExpandTilde(path, context.HomeDirectory);
        var portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var shortHost = context.LocalHostName.Split('.')[0];
        return Expand(expanded, allowEnvironment: true, token => token switch
        {
            'C' => ConnectionHash(context.LocalHostName, host, portText, remoteUser),
            'd' => context.HomeDirectory,
            'h' => host,
            'i' => context.UserId,
            'k' => hostKeyAlias ?? alias,
            'L' => shortHost,
            'l' => context.LocalHostName,
            'n' => alias,
            'p' => portText,
            'r' => remoteUser,
            'u' => context.LocalUser,
            _ => null,
        });
    }

    /// <summary>ProxyCommand: %% %h %n %p %r (sshconnect.c expand_proxy_command).</summary>
    public static string ExpandProxyCommand(string command, string host, string alias, int port, string remoteUser)
    {
        var portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Expand(command, allowEnvironment: false, token => token switch
        {
            'h' => host,
            'n' => alias,
            'p' => portText,
            'r' => remoteUser,
            _ => null,
        });
    }

    /// <summary>"~" and "~/..." become the home directory; "~user" is refused (ssh-mux knows only its own user).</summary>
    public static string ExpandTilde(string path, string homeDirectory)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(homeDirectory);
        if (!path.StartsWith('~'))
        {
            return path;
        }

        if (path == "~" || path[1] == '/')
        {
            return homeDirectory.TrimEnd('/') + path[1..];
        }

        throw new SshConfigException($"{path}: ~user paths are not supported (only ~/ for this user's home)");
    }

    /// <summary>ssh.c ssh_connection_hash (OpenSSH 9.2): hex SHA-1 of %l%h%p%r.</summary>
    private static string ConnectionHash(string localHost, string host, string port, string user) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(localHost + host + port + user)));

    private static string Expand(string text, bool allowEnvironment, Func<char, string?> token)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new StringBuilder(text.Length + 32);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (allowEnvironment && c == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var close = text.IndexOf('}', i + 2);
                if (close < 0)
                {
                    throw new SshConfigException($"{text}: unterminated ${{ variable");
                }

                var name = text[(i + 2)..close];
                var value = Environment.GetEnvironmentVariable(name);
                if (string.IsNullOrEmpty(name) || value is null)
                {
                    throw new SshConfigException($"{text}: environment variable ${{{name}}} has no value");
                }

                result.Append(value);
                i = close;
                continue;
            }

            if (c != '%')
            {
                result.Append(c);
                continue;
            }

            if (i + 1 >= text.Length)
            {
                throw new SshConfigException($"{text}: ends in a lone '%'");
            }

            var key = text[++i];
            if (key == '%')
            {
                result.Append('%');
                continue;
            }

            result.Append(token(key) ?? throw new SshConfigException($"{text}: unknown key %{key}"));
        }

        return result.ToString();
    }
}
