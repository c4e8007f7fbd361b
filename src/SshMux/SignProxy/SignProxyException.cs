namespace SshMux.SignProxy;

/// <summary>
/// A request the proxy cannot serve, with the HTTP status and the one-line reason the client
/// is given. The reason names the problem (which key, which agent) but never echoes secrets.
/// </summary>
internal sealed class SignProxyException : Exception
{
    public SignProxyException(int status, string reason) : base(reason) => Status = status;

    public SignProxyException(int status, string reason, Exception inner) : base(reason, inner) => Status = status;

    public SignProxyException() : this(500, "internal error") { }

    public SignProxyException(string message) : this(500, message) { }

    public SignProxyException(string message, Exception inner) : this(500, message, inner) { }

    public int Status { get; }
}

/// <summary>The statuses the proxy answers with; docs/sign-proxy.md lists them for scripts.</summary>
internal static class SignProxyStatus
{
    public const int Ok = 200;

    /// <summary>Malformed request: empty body, a namespace other than the configured one.</summary>
    public const int BadRequest = 400;

    /// <summary>A token is configured and the request did not carry it.</summary>
    public const int Unauthorized = 401;

    /// <summary>A request a web browser sent (Origin, Sec-Fetch-*), or a Host that is not loopback on a loopback listener.</summary>
    public const int Forbidden = 403;

    /// <summary>The agent holds no usable key, or not the pinned one.</summary>
    public const int NoMatchingKey = 409;

    /// <summary>The body is larger than the configured limit.</summary>
    public const int TooLarge = 413;

    /// <summary>The agent refused to sign, or answered with a wrong or downgraded signature.</summary>
    public const int AgentFailed = 502;

    /// <summary>No agent: none configured, its socket is missing or dead, or it timed out.</summary>
    public const int NoAgent = 503;
}
