using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using SshMux.Ssh.Transport;

namespace SshMux.SignProxy;

/// <summary>
/// Linux process hardening through libc: no core dumps (setrlimit RLIMIT_CORE 0), not dumpable
/// so that other processes of the same user cannot ptrace it or read /proc/PID/mem
/// (prctl PR_SET_DUMPABLE 0), no privilege gain through exec (PR_SET_NO_NEW_PRIVS), and memory
/// locked so signed data and the token digest never reach swap (mlockall).
/// </summary>
[SupportedOSPlatform("linux")]
internal static partial class LinuxHardening
{
    private const int PrSetDumpable = 4;        // <linux/prctl.h>
    private const int PrSetNoNewPrivs = 38;
    private const int RlimitCore = 4;           // <asm-generic/resource.h>
    private const int RlimitMemlock = 8;
    private const int MclCurrent = 1;           // <asm-generic/mman-common.h>
    private const int MclFuture = 2;
    private const int MclOnFault = 4;
    private const ulong RlimInfinity = ulong.MaxValue;

    public static void Apply(SshLog log)
    {
        Step(log, "core dumps off (RLIMIT_CORE 0)", () => SetRLimit(RlimitCore, new RLimit { Current = 0, Maximum = 0 }));
        Step(log, "not dumpable, no ptrace attach (PR_SET_DUMPABLE 0)", () => Prctl(PrSetDumpable, 0, 0, 0, 0));
        Step(log, "no new privileges (PR_SET_NO_NEW_PRIVS)", () => Prctl(PrSetNoNewPrivs, 1, 0, 0, 0));
        LockMemory(log);
    }

    /// <summary>
    /// MCL_FUTURE would make every later allocation fail once RLIMIT_MEMLOCK is reached, which
    /// the runtime cannot survive; so memory is locked only when the limit is unlimited (the
    /// systemd unit sets LimitMEMLOCK=infinity). MCL_ONFAULT locks pages as they are touched, not
    /// the runtime's whole address-space reservation at once.
    /// </summary>
    private static void LockMemory(SshLog log)
    {
        if (GetRLimit(RlimitMemlock, out var limit) != 0)
        {
            log(SshLogLevel.Warning, $"process hardening: memory not locked: getrlimit(RLIMIT_MEMLOCK) failed (errno {Marshal.GetLastPInvokeError()})");
            return;
        }

        if (limit.Current != RlimInfinity)
        {
            log(SshLogLevel.Warning,
                $"process hardening: memory not locked: RLIMIT_MEMLOCK is {limit.Current} bytes; run with LimitMEMLOCK=infinity (ulimit -l unlimited) to keep request data out of swap");
            return;
        }

        Step(log, "memory locked (mlockall)", () => MLockAll(MclCurrent | MclFuture | MclOnFault));
    }

    private static void Step(SshLog log, string what, Func<int> call)
    {
        if (call() == 0)
        {
            log(SshLogLevel.Info, "process hardening: " + what);
        }
        else
        {
            log(SshLogLevel.Warning, $"process hardening: failed: {what}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    // prctl is variadic in C; on the Linux ABIs .NET supports (x64, arm64) integer arguments of
    // a variadic call travel in the same registers as fixed ones, so a fixed five-argument
    // import is the usual way to call it.
    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "mlockall", SetLastError = true)]
    private static partial int MLockAll(int flags);
}
