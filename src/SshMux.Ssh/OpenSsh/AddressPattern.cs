using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// Address lists as sshd matches them (addrmatch.c): CIDR networks (addr/len, or a bare address
/// for a single host) mixed with wildcard patterns, used by authorized_keys from= and by the
/// certificate source-address critical option.
/// </summary>
public static class AddressPattern
{
    /// <summary>addrmatch.c: INET6_ADDRSTRLEN + 3, the longest entry a source-address list may hold.</summary>
    private const int MaxCidrEntryLength = 46 + 3;

    private enum CidrParse
    {
        Ok,
        Invalid,
        InconsistentMask,
    }

    /// <summary>
    /// addr_match_list: 1 when an entry matches the address, -1 when a negated entry matches,
    /// 0 when none does (or when the address is null, which only checks the list), and -2 when
    /// the list holds an empty entry or a network whose mask is inconsistent (e.g. 10.0.0.1/8).
    /// Entries that are not CIDR are matched as wildcards against the address's text form.
    /// </summary>
    public static int MatchList(IPAddress? address, string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        address = Normalize(address);
        var text = address?.ToString();
        var result = 0;
        foreach (var raw in list.Split(','))
        {
            var negated = raw.StartsWith('!');
            var entry = negated ? raw[1..] : raw;
            if (entry.Length == 0)
            {
                return -2;
            }

            bool matched;
            switch (ParseCidr(entry, out var network, out var maskLength))
            {
                case CidrParse.InconsistentMask:
                    return -2;
                case CidrParse.Ok:
                    matched = address is not null && NetworkContains(network, maskLength, address);
                    break;
                default:
                    matched = text is not null && OpenSshPattern.Match(text, entry);
                    break;
            }

            if (matched)
            {
                if (negated)
                {
                    return -1;
                }

                result = 1;
            }
        }

        return result;
    }

    /// <summary>
    /// <see cref="MatchList(IPAddress?, string)"/> for an address in text form; text that is not
    /// a numeric address matches nothing (0), as in addr_match_list.
    /// </summary>
    public static int MatchList(string address, string list)
    {
        ArgumentNullException.ThrowIfNull(address);
        return IsAddressText(address) && IPAddress.TryParse(address, out var parsed) ? MatchList(parsed, list) : 0;
    }

    /// <summary>
    /// addr_match_cidr_list (certificate source-address): only CIDR entries, no wildcards or
    /// negation. 1 on a match, 0 on none (or a null address: a syntax check), -1 when the list
    /// is malformed, which callers treat as a refusal.
    /// </summary>
    public static int MatchCidrList(IPAddress? address, string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        address = Normalize(address);
        var result = 0;
        foreach (var entry in list.Split(','))
        {
            if (entry.Length == 0 || entry.Length > MaxCidrEntryLength || !IsCidrText(entry))
            {
                return -1;
            }

            if (ParseCidr(entry, out var network, out var maskLength) != CidrParse.Ok)
            {
                return -1;
            }

            if (address is not null && NetworkContains(network, maskLength, address))
            {
                result = 1;
            }
        }

        return result;
    }

    /// <summary>True when the text is a well-formed source-address list.</summary>
    public static bool IsValidCidrList(string list) => MatchCidrList(null, list) == 0;

    /// <summary>
    /// match_host_and_ip (authorized_keys from=): the client's address is checked against the
    /// list as addresses, its host name as host name patterns. 1 when either matches and no
    /// negation does, 0 otherwise, -1 when the list is malformed.
    /// </summary>
    public static int MatchHostAndAddress(string? hostName, IPAddress? address, string patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var addressMatch = MatchList(address, patterns);
        if (addressMatch == -2)
        {
            return -1;
        }

        if (hostName is null || address is null || addressMatch == -1)
        {
            return 0;
        }

        var hostMatch = OpenSshPattern.MatchHostName(hostName, patterns);
        if (hostMatch == -1 || (hostMatch == 0 && addressMatch == 0))
        {
            return 0;
        }

        return 1;
    }

    /// <summary>sshd compares IPv4 clients reaching an IPv6 socket as plain IPv4 (ipv64_normalise_mapped).</summary>
    public static IPAddress? Normalize(IPAddress? address) =>
        address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;

    /// <summary>
    /// addr_pton_cidr: "address" or "address/len". A mask longer than the family allows, or host
    /// bits set below the mask, is inconsistent (an error, not a mismatch).
    /// </summary>
    private static CidrParse ParseCidr(string entry, out IPAddress network, out int maskLength)
    {
        network = IPAddress.None;
        maskLength = 0;
        if (entry.Length >= 64)
        {
            return CidrParse.Invalid;
        }

        var slash = entry.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? entry : entry[..slash];
        var hasMask = false;
        if (slash >= 0)
        {
            var maskText = entry[(slash + 1)..];
            if (maskText.Length == 0 || maskText.Length > 10 || !maskText.All(char.IsAsciiDigit)
                || !int.TryParse(maskText, NumberStyles.None, CultureInfo.InvariantCulture, out maskLength))
            {
                return CidrParse.Invalid;
            }

            hasMask = true;
        }

        // getaddrinfo(AI_NUMERICHOST) only: nothing that could be a name or carry a scope or port.
        if (addressText.Length == 0 || !IsAddressText(addressText) || !IPAddress.TryParse(addressText, out var parsed))
        {
            return CidrParse.Invalid;
        }

        var bits = parsed.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (!hasMask)
        {
            maskLength = bits;
        }

        if (maskLength > bits)
        {
            return CidrParse.InconsistentMask;
        }

        var bytes = parsed.GetAddressBytes();
        for (var bit = maskLength; bit < bits; bit++)
        {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0)
            {
                return CidrParse.InconsistentMask;
            }
        }

        network = parsed;
        return CidrParse.Ok;
    }

    private static bool NetworkContains(IPAddress network, int maskLength, IPAddress address)
    {
        if (network.AddressFamily != address.AddressFamily)
        {
            return false;
        }

        Span<byte> net = stackalloc byte[16];
        Span<byte> host = stackalloc byte[16];
        network.TryWriteBytes(net, out var length);
        address.TryWriteBytes(host, out _);
        for (var i = 0; i < length; i++)
        {
            var remaining = maskLength - (i * 8);
            if (remaining <= 0)
            {
                break;
            }

            var mask = remaining >= 8 ? 0xff : (byte)(0xff << (8 - remaining));
            if (((net[i] ^ host[i]) & mask) != 0)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAddressText(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c) && c != '.' && c != ':')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>addrmatch.c VALID_CIDR_CHARS.</summary>
    private static bool IsCidrText(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c) && c != '.' && c != ':' && c != '/')
            {
                return false;
            }
        }

        return true;
    }
}
