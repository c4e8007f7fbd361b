using System.Globalization;
using System.Net;

namespace SshMux.SignProxy;

/// <summary>
/// Where the proxy listens: a TCP address ("127.0.0.1:7221", "[::1]:7221", "localhost:7221",
/// "0.0.0.0:7221") or a Unix domain socket ("unix:/run/user/1000/ssh-mux-sign.sock"), which
/// a sandbox can be given on its own, without any network.
/// </summary>
internal sealed record SignProxyListen
{
    public const string UnixPrefix = "unix:";

    private SignProxyListen(IPEndPoint? tcp, string? unixPath)
    {
        Tcp = tcp;
        UnixPath = unixPath;
    }

    public IPEndPoint? Tcp { get; }

    public string? UnixPath { get; }

    /// <summary>True for loopback TCP and for Unix sockets: only local processes can connect.</summary>
    public bool IsLocalOnly => UnixPath is not null || IPAddress.IsLoopback(Tcp!.Address);

    public static SignProxyListen ForTcp(IPEndPoint endPoint) => new(endPoint, null);

    public static SignProxyListen ForUnix(string path) => new(null, path);

    /// <summary>Parses an address; a malformed one raises <see cref="FormatException"/> saying what is wrong.</summary>
    public static SignProxyListen Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith(UnixPrefix, StringComparison.Ordinal))
        {
            var path = text[UnixPrefix.Length..];
            if (!Path.IsPathFullyQualified(path))
            {
                throw new FormatException($"\"{text}\": a Unix socket address is unix:/absolute/path");
            }

            return ForUnix(path);
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new FormatException($"\"{text}\" is not HOST:PORT (e.g. 127.0.0.1:7221) or unix:/path");
        }

        var host = text[..colon];
        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            throw new FormatException($"\"{text}\": the port must be a number from 0 to 65535");
        }

        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            throw new FormatException($"\"{text}\": write an IPv6 address in brackets, e.g. [::1]:7221");
        }

        // A name other than localhost could resolve to anything; the listener binds an address.
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return ForTcp(new IPEndPoint(IPAddress.Loopback, port));
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            throw new FormatException($"\"{text}\": the host must be an IP address or localhost");
        }

        return ForTcp(new IPEndPoint(address, port));
    }

    public override string ToString() => UnixPath is not null
        ? UnixPrefix + UnixPath
        : Tcp!.ToString();
}
