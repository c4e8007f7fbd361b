namespace SshMux.Interop.Tests.Harness;

// A missing peer never skips a test: test.sh installs every peer, and the test's own
// Peers.Require fails it with the install hint, in CI and on a developer's machine alike.

/// <summary>A fact that needs the named peer programs.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PeerFactAttribute : FactAttribute
{
    public PeerFactAttribute(params string[] programs)
    {
        Programs = programs;
    }

    public IReadOnlyList<string> Programs { get; }
}

/// <summary>A theory that needs the named peer programs.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PeerTheoryAttribute : TheoryAttribute
{
    public PeerTheoryAttribute(params string[] programs)
    {
        Programs = programs;
    }

    public IReadOnlyList<string> Programs { get; }
}
