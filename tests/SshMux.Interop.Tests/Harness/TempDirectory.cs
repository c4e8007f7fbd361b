namespace SshMux.Interop.Tests.Harness;

/// <summary>A private temporary directory, removed on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix) => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A peer still writing its log as it dies; the OS cleans temp eventually.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
