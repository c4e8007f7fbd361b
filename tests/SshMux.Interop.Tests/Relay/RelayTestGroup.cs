namespace SshMux.Interop.Tests.Relay;

/// <summary>
/// The relay tests run one after another: each starts sshd, ssh-mux serve and OpenSSH
/// clients moving up to hundreds of megabytes, and on a shared two-core machine running them
/// side by side would turn their "promptly" and "bounded" checks into races for CPU.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RelayTestGroup
{
    public const string Name = "Relay";
}
