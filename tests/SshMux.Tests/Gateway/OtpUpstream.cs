using SshMux.Interop.Tests.Harness;

namespace SshMux.Tests.Gateway;

/// <summary>
/// A Paramiko server (Debian's /usr/bin/python3 with python3-paramiko) that asks, like a
/// bastion with two-factor login, for publickey THEN a keyboard-interactive one-time password,
/// and serves exec with /bin/sh. It prints one line per event ("otp-asked", "otp-accepted",
/// "exec CMD"), which the tests count.
/// </summary>
internal sealed class OtpUpstream : IAsyncDisposable
{
    public const string Python = "/usr/bin/python3";
    public const string User = "otpuser";
    public const string Code = "492817";
    public const string PromptText = "One-time password: ";

    private const string Script = """
        # Usage: otp_server.py HOSTKEY_FILE USER ALLOWED_KEY_BASE64 OTP
        import base64, socket, subprocess, sys, threading, time
        import paramiko

        HOST_KEY = paramiko.Ed25519Key(filename=sys.argv[1])
        USER, ALLOWED_KEY, OTP = sys.argv[2], base64.b64decode(sys.argv[3]), sys.argv[4]
        LOCK = threading.Lock()

        def log(*words):
            with LOCK:
                print(*words, flush=True)

        class Server(paramiko.ServerInterface):
            def __init__(self):
                self.key_ok = False

            def get_allowed_auths(self, username):
                return "keyboard-interactive" if self.key_ok else "publickey"

            def check_auth_publickey(self, username, key):
                if username == USER and key.asbytes() == ALLOWED_KEY:
                    self.key_ok = True
                    return paramiko.AUTH_PARTIALLY_SUCCESSFUL
                return paramiko.AUTH_FAILED

            def check_auth_interactive(self, username, submethods):
                if not self.key_ok:
                    return paramiko.AUTH_FAILED
                log("otp-asked")
                return paramiko.InteractiveQuery("Two-factor login", "Enter the code from your token.", ("One-time password: ", False))

            def check_auth_interactive_response(self, responses):
                if self.key_ok and len(responses) == 1 and responses[0] == OTP:
                    log("otp-accepted")
                    return paramiko.AUTH_SUCCESSFUL
                log("otp-refused")
                return paramiko.AUTH_FAILED

            def check_channel_request(self, kind, chanid):
                return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

            def check_channel_exec_request(self, channel, command):
                command = command.decode("utf-8")
                log("exec", command)
                threading.Thread(target=run, args=(channel, command), daemon=True).start()
                return True

        def run(channel, command):
            # The exec reply goes once check_channel_exec_request returns: let it go first.
            time.sleep(0.1)
            done = subprocess.run(["/bin/sh", "-c", command], stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
            channel.sendall(done.stdout)
            channel.sendall_stderr(done.stderr)
            channel.send_exit_status(done.returncode)
            channel.shutdown_write()
            channel.close()

        def handle(connection):
            transport = paramiko.Transport(connection)
            transport.add_server_key(HOST_KEY)
            try:
                transport.start_server(server=Server())
            except Exception as error:
                log("negotiation-failed", repr(error))
                return
            while transport.is_active():
                time.sleep(0.05)

        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        log("listening", listener.getsockname()[1])
        while True:
            connection, _ = listener.accept()
            threading.Thread(target=handle, args=(connection,), daemon=True).start()
        """;

    private readonly TempDirectory _directory;

    private OtpUpstream(TempDirectory directory, PeerProcess process, int port, PeerHostKey hostKey)
    {
        _directory = directory;
        Process = process;
        Port = port;
        HostKey = hostKey;
    }

    public PeerProcess Process { get; }

    public int Port { get; }

    public PeerHostKey HostKey { get; }

    public int OtpPrompts => Process.Count(l => l == "otp-asked");

    public static async Task<OtpUpstream> StartAsync(UserKey allowed)
    {
        if (!File.Exists(Python))
        {
            Assert.Fail($"{Python} is missing (apt-get install python3 python3-paramiko; ./test.sh installs every peer).");
        }

        var hostKey = await PeerHostKeys.OpenSshAsync("ssh-ed25519");
        var directory = new TempDirectory("sshmux-otp-");
        var script = directory.File("otp_server.py");
        await File.WriteAllTextAsync(script, Script);
        var process = PeerProcess.Start("paramiko otp", Python, [script, hostKey.PrivateKeyPath, User, Convert.ToBase64String(allowed.PublicKey.Blob.Span), Code]);
        try
        {
            var line = await process.WaitForLineAsync(l => l.StartsWith("listening ", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "\"listening PORT\" (is python3-paramiko installed?)");
            return new OtpUpstream(directory, process, int.Parse(line["listening ".Length..], System.Globalization.CultureInfo.InvariantCulture), hostKey);
        }
        catch
        {
            await process.DisposeAsync();
            directory.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        _directory.Dispose();
    }
}
