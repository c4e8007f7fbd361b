namespace SshMux.Interop.Tests.Harness;

// xunit 2 decides skipping at discovery only, so the peer check happens in the attribute:
// outside CI a missing peer skips the test; with CI=true the test runs and Peers.Require fails it.

/// <summary>A fact that needs the named peer programs.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PeerFactAttribute : FactAttribute
{
    public PeerFactAttribute(params string[] programs)
    {
        Programs = programs;
        Skip = PeerSkip.Reason(programs);
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
        Skip = PeerSkip.Reason(programs);
    }

    public IReadOnlyList<string> Programs { get; }
}

internal static class PeerSkip
{
    public static string? Reason(IEnumerable<string> programs)
    {
        if (Peers.IsCi)
        {
            return null;
        }

        var missing = Peers.FirstMissing(programs);
        return missing is null ? null : Peers.MissingMessage(missing);
    }
}
