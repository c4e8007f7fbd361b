using System.Globalization;
using SshMux.Ssh.Agent;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Signatures;

namespace SshMux.SignProxy;

/// <summary>
/// The raw settings, each from its command-line option or else its environment variable
/// (the names of the original ssh-agent-proxy, so an existing env file keeps working).
/// </summary>
internal sealed record SignProxySettings
{
    public const string ListenVariable = "SSH_AGENT_PROXY_ADDR";
    public const string NamespaceVariable = "SSH_AGENT_PROXY_NAMESPACE";
    public const string UpstreamVariable = "SSH_AGENT_PROXY_UPSTREAM";
    public const string PublicKeyVariable = "SSH_AGENT_PROXY_PUBKEY";
    public const string PublicKeyFileVariable = "SSH_AGENT_PROXY_PUBKEY_FILE";
    public const string TokenVariable = "SSH_AGENT_PROXY_TOKEN";
    public const string TokenFileVariable = "SSH_AGENT_PROXY_TOKEN_FILE";
    public const string MaxBodyVariable = "SSH_AGENT_PROXY_MAX_BODY";
    public const string AllowUnauthenticatedVariable = "SSH_AGENT_PROXY_ALLOW_UNAUTHENTICATED";

    public string? Listen { get; init; }

    public string? Namespace { get; init; }

    public string? Upstream { get; init; }

    public string? PublicKey { get; init; }

    public string? PublicKeyFile { get; init; }

    public string? Token { get; init; }

    public string? TokenFile { get; init; }

    public string? MaxBody { get; init; }

    public string? AllowUnauthenticated { get; init; }

    /// <summary>SSH_AUTH_SOCK, the upstream when none is given.</summary>
    public string? AuthSocket { get; init; }

    public static SignProxySettings FromEnvironment(Func<string, string?> get)
    {
        ArgumentNullException.ThrowIfNull(get);
        return new SignProxySettings
        {
            Listen = NonEmpty(get(ListenVariable)),
            Namespace = NonEmpty(get(NamespaceVariable)),
            Upstream = NonEmpty(get(UpstreamVariable)),
            PublicKey = NonEmpty(get(PublicKeyVariable)),
            PublicKeyFile = NonEmpty(get(PublicKeyFileVariable)),
            Token = NonEmpty(get(TokenVariable)),
            TokenFile = NonEmpty(get(TokenFileVariable)),
            MaxBody = NonEmpty(get(MaxBodyVariable)),
            AllowUnauthenticated = NonEmpty(get(AllowUnauthenticatedVariable)),
            AuthSocket = NonEmpty(get(SshAgentClient.SocketVariable)),
        };
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>The checked configuration of `ssh-mux sign-proxy`.</summary>
internal sealed record SignProxyOptions
{
    public const string DefaultListen = "127.0.0.1:7221";
    public const string DefaultNamespace = "git";

    /// <summary>A commit or tag object is a few kilobytes; a megabyte leaves room for huge messages.</summary>
    public const long DefaultMaxBody = 1024 * 1024;

    public required SignProxyListen Listen { get; init; }

    public string Namespace { get; init; } = DefaultNamespace;

    /// <summary>The agent socket or pipe; null when none is configured (every request then answers 503).</summary>
    public string? Upstream { get; init; }

    /// <summary>The key to sign with; null for the agent's first key.</summary>
    public SshPublicKey? PinnedKey { get; init; }

    /// <summary>The token /sign and /publickey require; null for none.</summary>
    public BearerToken? Token { get; init; }

    public long MaxBodyBytes { get; init; } = DefaultMaxBody;

    public TimeSpan AgentTimeout { get; init; } = SshAgentClient.DefaultTimeout;

    /// <summary>
    /// Checks the settings; anything wrong raises <see cref="FormatException"/> naming the option
    /// and its variable. Security defaults fail closed: a non-loopback TCP address without a
    /// token is refused unless explicitly allowed.
    /// </summary>
    public static SignProxyOptions Resolve(SignProxySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var listen = Checked("--listen", SignProxySettings.ListenVariable, () => SignProxyListen.Parse(settings.Listen ?? DefaultListen));
        var ns = settings.Namespace ?? DefaultNamespace;
        Checked("--namespace", SignProxySettings.NamespaceVariable, () => { SshSignature.ValidateNamespace(ns); return ns; });

        var maxBody = DefaultMaxBody;
        if (settings.MaxBody is { } text
            && (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out maxBody) || maxBody < 1 || maxBody > int.MaxValue))
        {
            throw new FormatException($"--max-body / {SignProxySettings.MaxBodyVariable}: \"{text}\" is not a byte count from 1 to {int.MaxValue}");
        }

        SshPublicKey? pinned = null;
        if (settings.PublicKey is { } line)
        {
            pinned = Checked("--pubkey", SignProxySettings.PublicKeyVariable, () => SshPublicKeyLine.Parse(line).Key);
        }
        else if (settings.PublicKeyFile is { } file)
        {
            pinned = Checked("--pubkey-file", SignProxySettings.PublicKeyFileVariable, () => SshPublicKeyLine.Parse(ReadKeyFile(file)).Key);
        }

        BearerToken? token = null;
        if (settings.Token is { } secret)
        {
            token = Checked("the token", SignProxySettings.TokenVariable, () => BearerToken.FromText(secret));
        }
        else if (settings.TokenFile is { } tokenFile)
        {
            token = Checked("--token-file", SignProxySettings.TokenFileVariable, () => BearerToken.FromFile(tokenFile));
        }

        var allowUnauthenticated = settings.AllowUnauthenticated is "1" or "true" or "yes";
        if (!listen.IsLocalOnly && token is null && !allowUnauthenticated)
        {
            throw new FormatException(
                $"--listen / {SignProxySettings.ListenVariable}: {listen} is reachable from other hosts and no token is set, so anyone who can reach it could sign as you; "
                + $"set --token-file / {SignProxySettings.TokenFileVariable}, listen on a Unix socket, or accept the risk with --allow-unauthenticated / {SignProxySettings.AllowUnauthenticatedVariable}=1");
        }

        var upstream = settings.Upstream ?? settings.AuthSocket;
        if (upstream is null && OperatingSystem.IsWindows())
        {
            upstream = SshAgentClient.WindowsPipePath;
        }

        return new SignProxyOptions
        {
            Listen = listen,
            Namespace = ns,
            Upstream = upstream,
            PinnedKey = pinned,
            Token = token,
            MaxBodyBytes = maxBody,
        };
    }

    private static string ReadKeyFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new FormatException($"cannot read {path}: {e.Message}", e);
        }
    }

    private static T Checked<T>(string option, string variable, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (FormatException e)
        {
            throw new FormatException($"{option} / {variable}: {e.Message}", e);
        }
    }
}
