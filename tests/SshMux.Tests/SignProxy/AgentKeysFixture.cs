using SshMux.Interop.Tests.Harness;

namespace SshMux.Tests.SignProxy;

/// <summary>Keys of every type made by ssh-keygen, in a temp directory; made once per test class.</summary>
public sealed class SignProxyKeysFixture : IAsyncLifetime
{
    public static readonly (string Name, string Type, string Bits)[] Specs =
    [
        ("ed25519", "ed25519", "256"),
        ("ecdsa256", "ecdsa", "256"),
        ("ecdsa384", "ecdsa", "384"),
        ("ecdsa521", "ecdsa", "521"),
        ("rsa", "rsa", "3072"),
    ];

    private readonly Dictionary<string, TestKey> _keys = [];

    public TempDirectory Directory { get; } = new("sshmux-signproxy-");

    internal TestKey Key(string name) => _keys[name];

    public async Task InitializeAsync()
    {
        foreach (var (name, type, bits) in Specs)
        {
            _keys[name] = await SignProxyTools.GenerateKeyAsync(Directory.File("id_" + name), type, bits);
        }
    }

    public Task DisposeAsync()
    {
        Directory.Dispose();
        return Task.CompletedTask;
    }
}
