using System.Globalization;
using SshMux.Interop.Tests.Harness;

namespace SshMux.Interop.Tests.Auth;

/// <summary>
/// Paramiko (python3-paramiko) as a password and keyboard-interactive peer, which sshd cannot
/// be here (no PAM, no known password). The scripts are written into the test's temp
/// directory and run with /usr/bin/python3.
/// </summary>
public static class Paramiko
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> s_missing = new(FindMissing);

    /// <summary>Why the peer cannot run, or null when python3 and paramiko are there.</summary>
    public static string? Missing => s_missing.Value;

    private static string? FindMissing()
    {
        if (!File.Exists(Python))
        {
            return "Interop peer python3 is not installed (apt-get install python3-paramiko; ./test.sh installs every peer).";
        }

        using var check = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Python, ["-c", "import paramiko"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        check.WaitForExit(30000);
        return check.HasExited && check.ExitCode == 0 ? null : "Interop peer paramiko is not installed (apt-get install python3-paramiko; ./test.sh installs every peer).";
    }

    /// <summary>Fails the test when paramiko is missing (only reached under CI=true, see <see cref="ParamikoFactAttribute"/>).</summary>
    public static void Require()
    {
        if (Missing is { } message)
        {
            Assert.Fail(message + (Peers.IsCi ? " CI=true: every interop peer is required." : string.Empty));
        }
    }

    /// <summary>Starts the server script in <paramref name="mode"/> and returns it with the port it listens on.</summary>
    public static async Task<(PeerProcess Process, int Port)> StartServerAsync(InteropRun run, TempDirectory directory, string mode)
    {
        Require();
        var script = directory.File("paramiko_auth_server.py");
        await File.WriteAllTextAsync(script, ServerScript);
        var process = run.Track(PeerProcess.Start("paramiko-server", Python, ["-u", script, mode]));
        var line = await process.WaitForLineAsync(l => l.StartsWith("LISTENING ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the listening port");
        return (process, int.Parse(line["LISTENING ".Length..], CultureInfo.InvariantCulture));
    }

    /// <summary>Runs the client script against <paramref name="port"/> and waits for it to exit.</summary>
    public static async Task<ClientRun> RunClientAsync(InteropRun run, TempDirectory directory, string mode, int port, string secret)
    {
        Require();
        var script = directory.File("paramiko_auth_client.py");
        await File.WriteAllTextAsync(script, ClientScript);
        var process = run.Track(PeerProcess.Start("paramiko-client", Python, ["-u", script, mode, port.ToString(CultureInfo.InvariantCulture), secret]));
        try
        {
            var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
            return new ClientRun(code, process);
        }
        finally
        {
            await process.DisposeAsync();
        }
    }

    /// <summary>
    /// Accepts one connection. Modes: "password" (password "pw"), "keyboard-interactive" (two
    /// rounds: "Code: " echoed, answer 1234; "OTP: " hidden, answer otp-secret), "partial"
    /// (password first, partial success, then the two rounds).
    /// </summary>
    private const string ServerScript = """
        import logging, socket, sys, threading, time
        import paramiko

        mode = sys.argv[1]
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")

        class Server(paramiko.ServerInterface):
            def __init__(self):
                self.password_done = False
                self.round = 0

            def get_allowed_auths(self, username):
                if mode == "partial":
                    return "keyboard-interactive" if self.password_done else "password"
                return mode

            def check_auth_password(self, username, password):
                if mode in ("password", "partial") and not self.password_done and password == "pw":
                    print("PASSWORD OK " + username, flush=True)
                    if mode == "partial":
                        self.password_done = True
                        return paramiko.AUTH_PARTIALLY_SUCCESSFUL
                    return paramiko.AUTH_SUCCESSFUL
                print("PASSWORD REFUSED " + username, flush=True)
                return paramiko.AUTH_FAILED

            def check_auth_interactive(self, username, submethods):
                if mode == "password" or (mode == "partial" and not self.password_done):
                    return paramiko.AUTH_FAILED
                self.round = 1
                query = paramiko.InteractiveQuery("Two-step check", "Round one: your code")
                query.add_prompt("Code: ", True)
                return query

            def check_auth_interactive_response(self, responses):
                answers = list(responses)
                print("ROUND %d ANSWERS %d" % (self.round, len(answers)), flush=True)
                if self.round == 1 and answers == ["1234"]:
                    self.round = 2
                    query = paramiko.InteractiveQuery("", "Round two: one-time password")
                    query.add_prompt("OTP: ", False)
                    return query
                if self.round == 2 and answers == ["otp-secret"]:
                    return paramiko.AUTH_SUCCESSFUL
                return paramiko.AUTH_FAILED

        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(60)
        print("LISTENING %d" % listener.getsockname()[1], flush=True)
        connection, _ = listener.accept()
        transport = paramiko.Transport(connection)
        transport.add_server_key(paramiko.ECDSAKey.generate(bits=256))
        transport.start_server(server=Server())
        deadline = time.time() + 60
        while transport.is_active() and not transport.is_authenticated() and time.time() < deadline:
            time.sleep(0.02)
        print("AUTHENTICATED " + transport.get_username() if transport.is_authenticated() else "NOT AUTHENTICATED", flush=True)
        while transport.is_active() and time.time() < deadline:
            time.sleep(0.05)
        transport.close()
        """;

    /// <summary>
    /// Signs in as sshmux-interop. Modes: "password" (the secret is the password),
    /// "keyboard-interactive" (answers "Code" prompts with 1234 and others with the secret).
    /// </summary>
    private const string ClientScript = """
        import logging, socket, sys
        import paramiko

        mode, port, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
        transport = paramiko.Transport(socket.create_connection(("127.0.0.1", port), timeout=30))
        transport.start_client(timeout=30)

        def handler(title, instructions, prompts):
            print("ROUND title=%r instructions=%r prompts=%r" % (title, instructions, [(p, bool(e)) for p, e in prompts]), flush=True)
            return ["1234" if p.startswith("Code") else secret for p, e in prompts]

        try:
            if mode == "password":
                remaining = transport.auth_password("sshmux-interop", secret)
            else:
                remaining = transport.auth_interactive("sshmux-interop", handler)
            print("REMAINING %s" % ",".join(remaining), flush=True)
        except paramiko.AuthenticationException as e:
            print("AUTH FAILED %s" % e, flush=True)
        authenticated = transport.is_authenticated()
        print("AUTHENTICATED" if authenticated else "NOT AUTHENTICATED", flush=True)
        transport.close()
        sys.exit(0 if authenticated else 1)
        """;
}

/// <summary>A fact that needs python3 with paramiko: when it is missing the test fails, never skips.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ParamikoFactAttribute : FactAttribute
{
    public ParamikoFactAttribute()
    {
    }
}
