namespace SshMux.Interop.Tests.Sftp;

/// <summary>
/// SFTP servers written with the peers' own SFTP server code (Paramiko's SFTPServer, node
/// ssh2's SFTP stream), each serving the real file system to one user who signs in with one
/// key. Each prints "listening PORT" and then what it did ("sftp-open PATH").
/// </summary>
internal static class SftpServerScripts
{
    public const string Paramiko = """
        # Paramiko SFTP server for ssh-mux's interop tests: publickey for one user, and the
        # sftp subsystem run by paramiko.SFTPServer over the local file system.
        # Usage: sftp_server.py HOSTKEY_FILE USER ALLOWED_KEY_BASE64
        import base64
        import os
        import socket
        import sys
        import threading
        import time

        import paramiko
        from paramiko.sftp import SFTP_OK

        HOST_KEY = paramiko.Ed25519Key(filename=sys.argv[1])
        USER = sys.argv[2]
        ALLOWED_KEY = base64.b64decode(sys.argv[3])
        LOCK = threading.Lock()


        def log(*words):
            with LOCK:
                print(*words, flush=True)


        class Server(paramiko.ServerInterface):
            def get_allowed_auths(self, username):
                return "publickey"

            def check_auth_publickey(self, username, key):
                if username == USER and key.asbytes() == ALLOWED_KEY:
                    log("publickey-accepted", username, key.get_name())
                    return paramiko.AUTH_SUCCESSFUL
                return paramiko.AUTH_FAILED

            def check_channel_request(self, kind, chanid):
                if kind == "session":
                    return paramiko.OPEN_SUCCEEDED
                return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


        def error(e):
            return paramiko.SFTPServer.convert_errno(e.errno)


        def attributes(path, name, follow):
            st = os.stat(path) if follow else os.lstat(path)
            attr = paramiko.SFTPAttributes.from_stat(st)
            attr.filename = name
            return attr


        class Handle(paramiko.SFTPHandle):
            def stat(self):
                try:
                    return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))
                except OSError as e:
                    return error(e)

            def chattr(self, attr):
                return SFTP_OK


        class Files(paramiko.SFTPServerInterface):
            def list_folder(self, path):
                try:
                    return [attributes(os.path.join(path, name), name, False) for name in os.listdir(path)]
                except OSError as e:
                    return error(e)

            def stat(self, path):
                try:
                    return attributes(path, os.path.basename(path), True)
                except OSError as e:
                    return error(e)

            def lstat(self, path):
                try:
                    return attributes(path, os.path.basename(path), False)
                except OSError as e:
                    return error(e)

            def open(self, path, flags, attr):
                log("sftp-open", path)
                mode = getattr(attr, "st_mode", None) or 0o644
                try:
                    fd = os.open(path, flags, mode & 0o7777)
                except OSError as e:
                    return error(e)
                if flags & (os.O_WRONLY | os.O_RDWR):
                    stream = os.fdopen(fd, "r+b" if flags & os.O_RDWR else "wb")
                else:
                    stream = os.fdopen(fd, "rb")
                handle = Handle(flags)
                handle.filename = path
                handle.readfile = stream
                handle.writefile = stream
                return handle

            def remove(self, path):
                try:
                    os.remove(path)
                except OSError as e:
                    return error(e)
                return SFTP_OK

            def rename(self, oldpath, newpath):
                try:
                    os.rename(oldpath, newpath)
                except OSError as e:
                    return error(e)
                return SFTP_OK

            def mkdir(self, path, attr):
                try:
                    os.mkdir(path, (getattr(attr, "st_mode", None) or 0o755) & 0o7777)
                except OSError as e:
                    return error(e)
                return SFTP_OK

            def rmdir(self, path):
                try:
                    os.rmdir(path)
                except OSError as e:
                    return error(e)
                return SFTP_OK


        def handle(connection):
            transport = paramiko.Transport(connection)
            transport.add_server_key(HOST_KEY)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, Files)
            try:
                transport.start_server(server=Server())
            except Exception as e:
                log("negotiation-failed", repr(e))
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

    public const string NodeSsh2 = """
        // node ssh2 SFTP server for ssh-mux's interop tests: publickey for one user (signature
        // checked), and the sftp subsystem answered with ssh2's SFTP stream over the local file
        // system (open, read, write, close, fstat, stat, lstat, realpath).
        // Usage: sftp_server.js HOSTKEY_FILE USER ALLOWED_KEY_LINE
        'use strict';
        const fs = require('fs');
        const path = require('path');
        const { Server, utils } = require('ssh2');
        const { STATUS_CODE, flagsToString } = utils.sftp;

        const [hostKeyFile, user, allowedLine] = process.argv.slice(2);
        const allowed = utils.parseKey(allowedLine);
        if (allowed instanceof Error) throw allowed;
        const allowedBlob = allowed.getPublicSSH();

        function log(...words) {
          process.stdout.write(words.join(' ') + '\n');
        }

        function authenticate(context) {
          if (context.username === user && context.method === 'publickey'
              && context.key.algo === allowed.type && context.key.data.equals(allowedBlob)) {
            if (!context.signature) return context.accept();
            if (allowed.verify(context.blob, context.signature, context.hashAlgo) === true) {
              log('publickey-accepted', context.username, context.key.algo);
              return context.accept();
            }
          }
          return context.reject(['publickey']);
        }

        function attrsOf(st) {
          return { mode: st.mode, uid: st.uid, gid: st.gid, size: st.size,
                   atime: Math.floor(st.atimeMs / 1000), mtime: Math.floor(st.mtimeMs / 1000) };
        }

        function serve(sftp) {
          const handles = new Map();
          let next = 0;
          const fail = (id, e) => sftp.status(id,
            e.code === 'ENOENT' ? STATUS_CODE.NO_SUCH_FILE
              : (e.code === 'EACCES' || e.code === 'EPERM') ? STATUS_CODE.PERMISSION_DENIED : STATUS_CODE.FAILURE,
            e.message);
          const lookup = (id, handle) => {
            const h = handle.length === 4 ? handles.get(handle.readUInt32BE(0)) : undefined;
            if (!h) sftp.status(id, STATUS_CODE.FAILURE, 'unknown handle');
            return h;
          };
          sftp.on('OPEN', (id, file, flags, attrs) => {
            log('sftp-open', file);
            let fd;
            try { fd = fs.openSync(file, flagsToString(flags), (attrs && attrs.mode) || 0o644); } catch (e) { return fail(id, e); }
            const handle = Buffer.alloc(4);
            handle.writeUInt32BE(++next);
            handles.set(next, fd);
            sftp.handle(id, handle);
          });
          sftp.on('READ', (id, handle, offset, length) => {
            const fd = lookup(id, handle);
            if (fd === undefined) return;
            const data = Buffer.alloc(length);
            let n;
            try { n = fs.readSync(fd, data, 0, length, offset); } catch (e) { return fail(id, e); }
            if (n === 0) return sftp.status(id, STATUS_CODE.EOF);
            sftp.data(id, data.subarray(0, n));
          });
          sftp.on('WRITE', (id, handle, offset, data) => {
            const fd = lookup(id, handle);
            if (fd === undefined) return;
            try { fs.writeSync(fd, data, 0, data.length, offset); } catch (e) { return fail(id, e); }
            sftp.status(id, STATUS_CODE.OK);
          });
          sftp.on('CLOSE', (id, handle) => {
            const fd = lookup(id, handle);
            if (fd === undefined) return;
            handles.delete(handle.readUInt32BE(0));
            try { fs.closeSync(fd); } catch (e) { return fail(id, e); }
            sftp.status(id, STATUS_CODE.OK);
          });
          sftp.on('FSTAT', (id, handle) => {
            const fd = lookup(id, handle);
            if (fd === undefined) return;
            try { sftp.attrs(id, attrsOf(fs.fstatSync(fd))); } catch (e) { fail(id, e); }
          });
          sftp.on('STAT', (id, file) => {
            try { sftp.attrs(id, attrsOf(fs.statSync(file))); } catch (e) { fail(id, e); }
          });
          sftp.on('LSTAT', (id, file) => {
            try { sftp.attrs(id, attrsOf(fs.lstatSync(file))); } catch (e) { fail(id, e); }
          });
          sftp.on('REALPATH', (id, file) => {
            const resolved = path.resolve('/', file);
            sftp.name(id, [{ filename: resolved, longname: resolved, attrs: {} }]);
          });
        }

        const server = new Server({ hostKeys: [fs.readFileSync(hostKeyFile)] }, (client) => {
          client.on('authentication', authenticate);
          client.on('ready', () => {
            client.on('session', (acceptSession) => {
              const session = acceptSession();
              session.on('sftp', (accept) => serve(accept()));
            });
          });
          client.on('error', (error) => log('client-error', error.message));
        });
        server.listen(0, '127.0.0.1', () => log('listening', server.address().port));
        """;
}
