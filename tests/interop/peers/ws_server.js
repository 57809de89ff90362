// An echo server on Node's ws, for the client interop tests.
//
// Prints "READY <port>" once it listens on 127.0.0.1 and serves until it is
// killed or the lifetime (first argument, seconds) has passed. The first
// message on every connection is a JSON report of the handshake as this server
// saw it; every later message is echoed. Requests for /forbidden are refused
// with 401 and a body. Finds ws through NODE_PATH.
'use strict';

const { WebSocketServer } = require('ws');

const lifetimeSeconds = Number(process.argv[2] || 60);
const preferred = ['superchat', 'chat'];

const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    maxPayload: 64 * 1024 * 1024,
    handleProtocols: (offered) => preferred.find((name) => offered.has(name)) || false,
    verifyClient: (info, done) => {
        if (info.req.url.startsWith('/forbidden'))
            done(false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer realm="node"' });
        else
            done(true);
    },
});

server.on('listening', () => console.log(`READY ${server.address().port}`));
server.on('connection', (socket, request) => {
    socket.send(JSON.stringify({ path: request.url, headers: request.headers, subprotocol: socket.protocol }));
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});

setTimeout(() => process.exit(0), lifetimeSeconds * 1000);
