namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>
/// The Paramiko programs the tests run with Debian's /usr/bin/python3 (python3-paramiko),
/// written to the test's directory. The client does one operation per run and prints its
/// result as one JSON object; the server prints "listening PORT" and then one line per
/// authentication decision and exec, which the tests read.
/// </summary>
internal static class ParamikoScripts
{
    public const string Client = """
        # Paramiko client for ssh-mux's interop tests: connect, do one operation, print JSON.
        # Usage: client.py MODE PORT USER KEYFILE HOSTKEY_BASE64 [ARGS...]
        #   exec COMMAND | pty COMMAND | sftp LOCAL REMOTE BACK | forward ECHO_PORT BYTES
        import base64
        import hashlib
        import json
        import os
        import sys
        import threading

        import paramiko


        def connect(port, user, key_path, host_key_b64):
            client = paramiko.SSHClient()
            # Only the given host key is trusted, under OpenSSH's [host]:port name.
            host_key = paramiko.Ed25519Key(data=base64.b64decode(host_key_b64))
            client.get_host_keys().add("[127.0.0.1]:%d" % port, "ssh-ed25519", host_key)
            client.set_missing_host_key_policy(paramiko.RejectPolicy())
            client.connect("127.0.0.1", port=port, username=user, key_filename=key_path,
                           allow_agent=False, look_for_keys=False,
                           timeout=20, banner_timeout=20, auth_timeout=20)
            return client


        def b64(data):
            return base64.b64encode(bytes(data)).decode("ascii")


        def sha256(data):
            return hashlib.sha256(data).hexdigest()


        def run_exec(client, command, pty):
            channel = client.get_transport().open_session(timeout=20)
            channel.settimeout(60)
            if pty:
                channel.get_pty(term="xterm", width=80, height=24)
            channel.exec_command(command)
            channel.shutdown_write()
            out_file = channel.makefile("rb")
            err_file = channel.makefile_stderr("rb")
            errors = {}
            reader = threading.Thread(target=lambda: errors.__setitem__("data", err_file.read()))
            reader.start()
            out = out_file.read()
            reader.join(60)
            status = channel.recv_exit_status()
            return {"stdout": b64(out), "stderr": b64(errors.get("data", b"")), "status": status}


        def run_sftp(client, local, remote, back):
            sftp = client.open_sftp()
            sftp.put(local, remote)
            sftp.get(remote, back)
            sftp.close()
            return {"done": True}


        def run_forward(client, echo_port, size):
            data = os.urandom(size)
            channel = client.get_transport().open_channel(
                "direct-tcpip", ("127.0.0.1", echo_port), ("127.0.0.1", 40001), timeout=20)
            channel.settimeout(60)

            def send():
                channel.sendall(data)
                channel.shutdown_write()

            sender = threading.Thread(target=send)
            sender.start()
            received = bytearray()
            while True:
                chunk = channel.recv(65536)
                if not chunk:
                    break
                received += chunk
            sender.join(60)
            channel.close()
            return {"sent": len(data), "received": len(received),
                    "sent_sha256": sha256(data), "received_sha256": sha256(bytes(received))}


        def main():
            mode, port, user, key_path, host_key = sys.argv[1:6]
            args = sys.argv[6:]
            client = connect(int(port), user, key_path, host_key)
            try:
                if mode == "exec":
                    result = run_exec(client, args[0], False)
                elif mode == "pty":
                    result = run_exec(client, args[0], True)
                elif mode == "sftp":
                    result = run_sftp(client, *args)
                elif mode == "forward":
                    result = run_forward(client, int(args[0]), int(args[1]))
                else:
                    raise SystemExit("unknown mode " + mode)
            finally:
                client.close()
            print(json.dumps(result))


        main()
        """;

    public const string Server = """
        # Paramiko SSH server for ssh-mux's interop tests: publickey (one allowed key) and
        # password authentication for one user, and session channels whose exec runs the
        # command with /bin/sh and returns its stdout, stderr and exit status. A command
        # starting with "close-before-reply " is run before the exec request is answered.
        # Usage: server.py HOSTKEY_FILE USER ALLOWED_KEY_BASE64 PASSWORD
        import base64
        import socket
        import subprocess
        import sys
        import threading
        import time

        import paramiko

        HOST_KEY = paramiko.Ed25519Key(filename=sys.argv[1])
        USER = sys.argv[2]
        ALLOWED_KEY = base64.b64decode(sys.argv[3])
        PASSWORD = sys.argv[4]
        CLOSE_BEFORE_REPLY = "close-before-reply "
        LOCK = threading.Lock()


        def log(*words):
            with LOCK:
                print(*words, flush=True)


        class Server(paramiko.ServerInterface):
            def get_allowed_auths(self, username):
                return "publickey,password"

            def check_auth_publickey(self, username, key):
                if username == USER and key.asbytes() == ALLOWED_KEY:
                    log("publickey-accepted", username, key.get_name())
                    return paramiko.AUTH_SUCCESSFUL
                log("publickey-refused", username, key.get_name())
                return paramiko.AUTH_FAILED

            def check_auth_password(self, username, password):
                if username == USER and password == PASSWORD:
                    log("password-accepted", username)
                    return paramiko.AUTH_SUCCESSFUL
                log("password-refused", username)
                return paramiko.AUTH_FAILED

            def check_channel_request(self, kind, chanid):
                if kind == "session":
                    return paramiko.OPEN_SUCCEEDED
                return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

            def check_channel_exec_request(self, channel, command):
                command = command.decode("utf-8") if isinstance(command, bytes) else command
                log("exec", command)
                if command.startswith(CLOSE_BEFORE_REPLY):
                    # Everything, CLOSE included, before paramiko sends the CHANNEL_SUCCESS
                    # that it sends once this method returns: a reply after CLOSE, on purpose.
                    run(channel, command[len(CLOSE_BEFORE_REPLY):])
                    return True
                threading.Thread(target=run_after_reply, args=(channel, command), daemon=True).start()
                return True


        def run_after_reply(channel, command):
            # Paramiko sends the exec reply after check_channel_exec_request returns and has no
            # hook for "reply sent": wait a moment so the reply goes before the output.
            time.sleep(0.2)
            run(channel, command)


        def run(channel, command):
            done = subprocess.run(["/bin/sh", "-c", command], stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=60)
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


        def main():
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            listener.listen(16)
            log("listening", listener.getsockname()[1])
            while True:
                connection, _ = listener.accept()
                threading.Thread(target=handle, args=(connection,), daemon=True).start()


        main()
        """;
}
