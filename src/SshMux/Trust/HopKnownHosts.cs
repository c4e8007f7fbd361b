using SshMux.Control;
using SshMux.Routing;

namespace SshMux.Trust;

/// <summary>What a pin into a known_hosts path would do.</summary>
internal enum PinTarget
{
    /// <summary>A regular file, or nothing yet: the atomic writer adds the line.</summary>
    File,

    /// <summary>No file to pin in (UserKnownHostsFile none).</summary>
    None,

    /// <summary>A character device such as /dev/null: ssh "writes" into it and nothing is remembered.</summary>
    Discard,

    /// <summary>A directory, FIFO or socket: the writer must not rename a file over it.</summary>
    Unusable,
}

/// <summary>
/// The known_hosts files and host name one hop's keys are checked against, as ssh derives them
/// (sshconnect.c check_host_key): the hop's UserKnownHostsFile then GlobalKnownHostsFile, each
/// falling back to the defaults; keys are pinned in the first user file; a HostKeyAlias stands
/// for host and port (get_hostfile_hostname_ipaddr records the bare alias).
/// </summary>
internal sealed record HopKnownHosts(IReadOnlyList<string> Files, string? PinFile, string Host, int Port)
{
    private const int DefaultPort = 22;
    private const uint TypeMask = 0xF000;
    private const uint RegularFile = 0x8000;
    private const uint CharacterDevice = 0x2000;

    public static HopKnownHosts For(HostKeyTrustOptions options, RouteHop hop)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hop);
        var (host, port) = hop.HostKeyAlias is { } alias ? (alias, DefaultPort) : (hop.Host, hop.Port);
        if (hop.UserKnownHostsFiles is null && hop.GlobalKnownHostsFiles is null)
        {
            return new HopKnownHosts(options.KnownHostsFiles, options.UserKnownHostsFile, host, port);
        }

        var defaultGlobal = options.GlobalKnownHostsFiles;
        var userFiles = hop.UserKnownHostsFiles ?? options.KnownHostsFiles.Where(f => !defaultGlobal.Contains(f)).ToList();
        var pin = hop.UserKnownHostsFiles is { } configured ? configured.FirstOrDefault() : options.UserKnownHostsFile;
        return new HopKnownHosts([.. userFiles, .. hop.GlobalKnownHostsFiles ?? defaultGlobal], pin, host, port);
    }

    /// <summary>What is at <see cref="PinFile"/>, following symbolic links as the writer does.</summary>
    public PinTarget Classify()
    {
        if (PinFile is null)
        {
            return PinTarget.None;
        }

        if (!OperatingSystem.IsLinux())
        {
            return PinFile == "/dev/null" ? PinTarget.Discard : PinTarget.File;
        }

        var info = new FileInfo(PinFile);
        var target = info.LinkTarget is null ? info.FullName : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
        return UnixFiles.Lstat(target) switch
        {
            null => PinTarget.File,
            { Mode: var mode } when (mode & TypeMask) == RegularFile => PinTarget.File,
            { Mode: var mode } when (mode & TypeMask) == CharacterDevice => PinTarget.Discard,
            _ => PinTarget.Unusable,
        };
    }
}
