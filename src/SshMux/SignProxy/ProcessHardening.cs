using SshMux.Ssh.Transport;

namespace SshMux.SignProxy;

/// <summary>
/// The platform seam for hardening the proxy process, applied once at start-up before the
/// listener opens. Every step is best effort: a refusal (a container without CAP_IPC_LOCK, a
/// low RLIMIT_MEMLOCK) is logged and the proxy runs on, because the proxy never holds private
/// keys, only the bytes it is asked to sign and the bearer token's digest.
/// </summary>
/// <remarks>
/// Linux: <see cref="LinuxHardening"/>. macOS and Windows are no-ops for now: macOS would use
/// ptrace(PT_DENY_ATTACH), setrlimit(RLIMIT_CORE, 0) and mlockall; Windows would use
/// SetProcessMitigationPolicy and SetErrorMode to suppress crash dumps. Neither can be tested
/// here, so they are not pretended; the systemd unit and launchd/service managers can set the
/// same limits from outside.
/// </remarks>
internal static class ProcessHardening
{
    public static void Apply(SshLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (OperatingSystem.IsLinux())
        {
            LinuxHardening.Apply(log);
        }
        else
        {
            log(SshLogLevel.Info, "process hardening: none on this platform (core dumps, ptrace and swap are left to the service manager)");
        }
    }
}
