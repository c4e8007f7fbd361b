using System.Net;
using Microsoft.AspNetCore.Http;

namespace SshMux.SignProxy;

/// <summary>
/// Keeps web pages out of a TCP listener. A page on a DNS-rebinding domain (a name that first
/// resolves to the attacker, then to 127.0.0.1) makes the browser treat the proxy as the page's
/// own origin, so it could POST /sign and read the signature. Browsers always mark such requests:
/// an Origin header on a cross-origin or non-GET request, Sec-Fetch-Site / Sec-Fetch-Mode on
/// every request, and the Host header carries the attacker's name. The shim and curl send none of
/// these and name the proxy by loopback address or "localhost".
/// </summary>
internal static class BrowserRequestGuard
{
    /// <summary>The reason a request must be refused, or null when it may be served.</summary>
    public static string? Refusal(HttpRequest request, SignProxyListen listen)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(listen);

        // A Unix socket cannot be reached by a browser at all, and its clients send placeholder hosts.
        if (listen.UnixPath is not null)
        {
            return null;
        }

        foreach (var header in (ReadOnlySpan<string>)["Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode"])
        {
            if (request.Headers.ContainsKey(header))
            {
                return $"forbidden: requests from a web browser are refused (the request carries {header})";
            }
        }

        // On a non-loopback listener the Host is whatever name the container uses for the host
        // (host.docker.internal, a bridge address) and cannot be listed; such a listener needs a
        // token (or an explicit --allow-unauthenticated), which a rebinding page does not have.
        if (!IPAddress.IsLoopback(listen.Tcp!.Address) || IsLoopbackHost(request.Host.Host))
        {
            return null;
        }

        return $"forbidden: the Host header must name the proxy by loopback address or localhost, not \"{SignProxyEndpoints.Printable(request.Host.Host)}\"";
    }

    /// <summary>A loopback IP literal (a rebinding page cannot make a browser send one) or "localhost".</summary>
    private static bool IsLoopbackHost(string host)
    {
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        if (host.EndsWith('.'))
        {
            host = host[..^1];
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // TryParse also accepts shorthand like "127.1" or "2130706433"; browsers normalise those
        // to the dotted form, and either way they are literals, not names that can be rebound.
        return IPAddress.TryParse(host, out var address)
            && (IPAddress.IsLoopback(address) || (address.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(address.MapToIPv4())));
    }
}
