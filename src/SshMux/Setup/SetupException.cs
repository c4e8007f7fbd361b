namespace SshMux.Setup;

/// <summary>setup-config or install refused its input (a route, a path, a port); nothing was written.</summary>
internal sealed class SetupException(string message) : Exception(message);
