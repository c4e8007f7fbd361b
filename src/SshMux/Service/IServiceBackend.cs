namespace SshMux.Service;

/// <summary>How install and uninstall ended.</summary>
internal enum ServiceOutcome
{
    /// <summary>Done, and the service is running (install) or gone (uninstall).</summary>
    Done,

    /// <summary>The files are in place but the service manager could not be reached; the report says what to run.</summary>
    ManagerUnreachable,

    /// <summary>The service manager refused a command; the report has its output.</summary>
    ManagerFailed,
}

/// <summary>One platform's per-user service: a systemd user unit, a launchd agent, a Startup script.</summary>
internal interface IServiceBackend
{
    /// <summary>Where the service definition lives.</summary>
    string DefinitionPath { get; }

    /// <summary>Writes (or keeps) the definition and starts the service now; idempotent.</summary>
    ServiceOutcome Install(ServiceSpec spec, TextWriter report);

    /// <summary>Stops the service and removes the definition, leaving config and keys; idempotent.</summary>
    ServiceOutcome Uninstall(TextWriter report);
}
