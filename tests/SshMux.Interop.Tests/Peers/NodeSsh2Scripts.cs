namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>
/// The node ssh2 programs the tests run, written to the test's directory; NODE_PATH points
/// node at tests/peers-node/node_modules. The client does one operation per run and prints
/// its result as one JSON object; the server prints "listening PORT" and then one line per
/// authentication decision and exec.
/// </summary>
internal static class NodeSsh2Scripts
{
    public const string Client = """
        // node ssh2 client for ssh-mux's interop tests: connect, do one operation, print JSON.
        // Usage: client.js MODE PORT USER KEYFILE HOSTKEY_BASE64 [ARGS...]
        //   exec COMMAND | sftp-get REMOTE LOCAL
        'use strict';
        const fs = require('fs');
        const { Client } = require('ssh2');

        const [mode, port, user, keyFile, hostKey, ...args] = process.argv.slice(2);
        const expectedHostKey = Buffer.from(hostKey, 'base64');
        const connection = new Client();

        function finish(result) {
          process.stdout.write(JSON.stringify(result) + '\n');
          connection.end();
        }

        function fail(error) {
          process.stderr.write('client error: ' + (error && error.stack ? error.stack : error) + '\n');
          process.exit(2);
        }

        function exec(command) {
          connection.exec(command, (error, stream) => {
            if (error) return fail(error);
            const stdout = [];
            const stderr = [];
            let status = null;
            let signal = null;
            stream.on('data', (data) => stdout.push(data));
            stream.stderr.on('data', (data) => stderr.push(data));
            stream.on('exit', (code, signalName) => { status = code; signal = signalName || null; });
            stream.on('close', () => finish({
              stdout: Buffer.concat(stdout).toString('base64'),
              stderr: Buffer.concat(stderr).toString('base64'),
              status,
              signal,
            }));
            stream.end();
          });
        }

        function sftpGet(remote, local) {
          connection.sftp((error, sftp) => {
            if (error) return fail(error);
            sftp.fastGet(remote, local, (getError) => {
              if (getError) return fail(getError);
              finish({ done: true });
            });
          });
        }

        connection.on('ready', () => {
          if (mode === 'exec') exec(args[0]);
          else if (mode === 'sftp-get') sftpGet(args[0], args[1]);
          else fail('unknown mode ' + mode);
        });
        connection.on('error', fail);
        connection.connect({
          host: '127.0.0.1',
          port: Number(port),
          username: user,
          privateKey: fs.readFileSync(keyFile),
          // Without hostHash, ssh2 hands over the raw key blob: trust exactly the given one.
          hostVerifier: (key) => Buffer.isBuffer(key) && key.equals(expectedHostKey),
          readyTimeout: 20000,
        });
        setTimeout(() => fail('timed out'), 90000).unref();
        """;

    public const string Server = """
        // node ssh2 server for ssh-mux's interop tests: publickey (one allowed key, signature
        // checked) and password authentication for one user, and session channels whose exec
        // runs the command with /bin/sh and returns its stdout, stderr and exit status.
        // Usage: server.js HOSTKEY_FILE USER ALLOWED_KEY_LINE PASSWORD
        'use strict';
        const fs = require('fs');
        const { spawn } = require('child_process');
        const { Server, utils } = require('ssh2');

        const [hostKeyFile, user, allowedLine, password] = process.argv.slice(2);
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
            log('publickey-bad-signature', context.username);
            return context.reject();
          }
          if (context.username === user && context.method === 'password' && context.password === password) {
            log('password-accepted', context.username);
            return context.accept();
          }
          if (context.method !== 'none') log(context.method + '-refused', context.username);
          return context.reject(['publickey', 'password']);
        }

        function runExec(accept, info) {
          log('exec', info.command);
          const stream = accept();
          const child = spawn('/bin/sh', ['-c', info.command], { stdio: ['ignore', 'pipe', 'pipe'] });
          child.stdout.on('data', (data) => stream.write(data));
          child.stderr.on('data', (data) => stream.stderr.write(data));
          child.on('close', (code) => {
            stream.exit(code);
            stream.end();
          });
        }

        const server = new Server({ hostKeys: [fs.readFileSync(hostKeyFile)] }, (client) => {
          client.on('authentication', authenticate);
          client.on('ready', () => {
            client.on('session', (acceptSession) => {
              const session = acceptSession();
              session.on('pty', (accept) => accept && accept());
              session.on('exec', (accept, reject, info) => runExec(accept, info));
            });
          });
          client.on('error', (error) => log('client-error', error.message));
        });
        server.listen(0, '127.0.0.1', () => log('listening', server.address().port));
        """;
}
