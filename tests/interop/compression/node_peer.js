'use strict';
// Node's ws with permessage-deflate, as a peer of WsKit.
//
//   node node_peer.js client URL OPTIONS EXPECTED   connects with perMessageDeflate
//       OPTIONS, checks ws negotiated the server's answer EXPECTED, exchanges
//       compressible messages with an echo server and checks the bytes on the wire
//       were compressed both ways
//   node node_peer.js server OPTIONS   an echo server; prints "port N", then for
//       each connection "response <its Sec-WebSocket-Extensions>"
//
// Prints one line per step and exits non-zero at the first failure.

const WebSocket = require('ws');

const TimeoutMs = 20000;

function fail(message) {
  console.log(`FAIL: ${message}`);
  process.exit(1);
}

// Compressible messages of 10 to 100 KB, a repeat, small and empty ones.
function messages() {
  let seed = 5;
  const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const names = ['alice', 'bob', 'carol', 'dave', 'erin'];
  const result = [];
  for (const count of [100, 300, 900]) {
    const records = [];
    for (let i = 0; i < count; ++i) {
      records.push({ id: i, user: names[Math.floor(random() * names.length)], score: Math.floor(random() * 1e5) / 100,
                     active: random() < 0.5, tags: ['urgent', 'billing'] });
    }
    result.push({ data: JSON.stringify(records), binary: false });
  }
  result.push(result[0]); // the same again: context takeover pays here
  result.push({ data: Buffer.from('the quick brown fox jumps over the lazy dog. '.repeat(300)), binary: true });
  result.push({ data: '', binary: false }, { data: 'x', binary: false },
              { data: 'h\u00e9llo w\u00f6rld \u20ac'.repeat(10), binary: false });
  return result;
}

function client(url, options, expected) {
  const ws = new WebSocket(url, { perMessageDeflate: options, maxPayload: 0 });
  const timer = setTimeout(() => fail('timed out'), TimeoutMs);
  const queue = messages();
  let plain = 0;
  let written = 0;
  let read = 0;
  let next = 0;
  const sendNext = () => {
    const message = queue[next];
    ws.send(message.data, { binary: message.binary });
  };
  let response = '';
  ws.on('upgrade', (message) => { response = message.headers['sec-websocket-extensions'] || ''; });
  ws.on('open', () => {
    // ws accepted the answer (or failed the connection): its extensions name it.
    console.log(`extensions: ${ws.extensions}; response: ${response}`);
    if (ws.extensions !== 'permessage-deflate')
      fail('permessage-deflate was not negotiated');
    if (response !== expected)
      fail(`answered "${response}", expected "${expected}"`);
    console.log('agreed ok');
    // Counted from here: the handshake is not part of the comparison.
    written = ws._socket.bytesWritten;
    read = ws._socket.bytesRead;
    sendNext();
  });
  ws.on('message', (data, isBinary) => {
    const message = queue[next];
    const sent = Buffer.isBuffer(message.data) ? message.data : Buffer.from(message.data, 'utf8');
    if (isBinary !== message.binary || Buffer.compare(Buffer.from(data), sent) !== 0)
      fail(`echo ${next} differs: ${data.length} bytes, sent ${sent.length}`);
    plain += sent.length;
    if (++next < queue.length) {
      sendNext();
      return;
    }
    written = ws._socket.bytesWritten - written;
    read = ws._socket.bytesRead - read;
    // Uncompressed, the wire carries more than the payloads; an 8-bit window
    // (Huffman codes only) still takes off a quarter.
    console.log(`echo ok: ${plain} bytes, wire ${written} out, ${read} in`);
    if (written >= plain * 3 / 4)
      fail("the client's messages were not compressed");
    if (read >= plain * 3 / 4)
      fail("the server's messages were not compressed");
    console.log('compressed ok');
    ws.close(1000);
  });
  ws.on('close', (code) => {
    clearTimeout(timer);
    if (next < queue.length)
      fail(`closed early with ${code}`);
    console.log('client ok');
  });
  ws.on('error', (error) => fail(`error: ${error.message}`));
}

function server(options) {
  const wss = new WebSocket.Server({ host: '127.0.0.1', port: 0, perMessageDeflate: options, maxPayload: 0 });
  wss.on('headers', (headers) => {
    const field = headers.find((line) => line.toLowerCase().startsWith('sec-websocket-extensions:'));
    console.log(`response ${field ? field.slice(field.indexOf(':') + 1).trim() : ''}`);
  });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  wss.on('listening', () => console.log(`port ${wss.address().port}`));
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'client')
  client(rest[0], JSON.parse(rest[1]), rest[2]);
else
  server(JSON.parse(rest[0]));
