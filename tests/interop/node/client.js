'use strict';
// Node's ws as an independent client of a WsKit server. Usage:
//   node client.js <ws base url> <scenario>
// Runs one scenario, prints "ok" and exits 0, or prints why it failed and exits 1.

const WebSocket = require('ws');

const [baseUrl, scenario] = process.argv.slice(2);
const TimeoutMs = 10000;
// How long the server may take to end TCP after the closing handshake.
const PromptMs = 2000;

function fail(message) {
  console.error(`${scenario}: ${message}`);
  process.exit(1);
}

function check(condition, message) {
  if (!condition)
    fail(message);
}

// Opens a connection; resolves once open. Messages are queued for next().
function connect(path, protocols, options) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(baseUrl + path, protocols, options);
    const queue = [];
    const waiters = [];
    const deliver = (item) => {
      const waiter = waiters.shift();
      if (waiter)
        waiter(item);
      else
        queue.push(item);
    };
    ws.on('message', (data, isBinary) => deliver({ kind: 'message', data, isBinary }));
    ws.on('ping', (data) => deliver({ kind: 'ping', data }));
    ws.on('pong', (data) => deliver({ kind: 'pong', data }));
    ws.on('close', (code, reason) => deliver({ kind: 'close', code, reason: reason.toString() }));
    ws.on('error', (error) => fail(`socket error: ${error.message}`));
    ws.next = () => new Promise((resolveNext) => {
      const timer = setTimeout(() => fail('timed out waiting for an event'), TimeoutMs);
      const take = (item) => { clearTimeout(timer); resolveNext(item); };
      if (queue.length > 0)
        take(queue.shift());
      else
        waiters.push(take);
    });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
}

async function expectMessage(ws, expected, isBinary, what) {
  const event = await ws.next();
  check(event.kind === 'message', `${what}: expected a message, got ${event.kind}`);
  check(event.isBinary === isBinary, `${what}: wrong message type`);
  const bytes = Buffer.isBuffer(expected) ? expected : Buffer.from(expected, 'utf8');
  check(Buffer.compare(event.data, bytes) === 0, `${what}: payload differs (${event.data.length} bytes)`);
}

// Closes from the client; the server must answer with code and end TCP promptly.
async function closeAndExpect(ws, code, reason, expectedCode) {
  const started = Date.now();
  ws.close(code, reason);
  const event = await ws.next();
  check(event.kind === 'close', `expected the close event, got ${event.kind}`);
  check(event.code === expectedCode, `close code ${event.code}, expected ${expectedCode}`);
  check(Date.now() - started < PromptMs, 'the server did not end TCP promptly after the closing handshake');
}

function pattern(size, seed) {
  const bytes = Buffer.alloc(size);
  let state = seed;
  for (let i = 0; i < size; ++i) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

const scenarios = {
  // Text (with multi-byte characters), binary, empty and large messages, and
  // many in a row, come back exactly. ws offers permessage-deflate by default and
  // the server accepts it by default, so all of them travel compressed.
  async echo() {
    const ws = await connect('/echo');
    check(ws.extensions === 'permessage-deflate', `unexpected extensions "${ws.extensions}"`);
    const texts = ['hello', 'κόσμε 😀 ß', ''];
    for (const text of texts) {
      ws.send(text);
      await expectMessage(ws, text, false, `text "${text}"`);
    }
    const binaries = [Buffer.from([0, 1, 2, 253, 254, 255]), Buffer.alloc(0), pattern(1024 * 1024, 7)];
    for (const binary of binaries) {
      ws.send(binary);
      await expectMessage(ws, binary, true, `binary of ${binary.length} bytes`);
    }
    for (let i = 0; i < 100; ++i)
      ws.send(`message ${i}`);
    for (let i = 0; i < 100; ++i)
      await expectMessage(ws, `message ${i}`, false, `message ${i}`);
    await closeAndExpect(ws, 1000, 'done', 1000);
  },

  // A message sent in fragments is echoed whole.
  async fragments() {
    const ws = await connect('/echo');
    ws.send('frag', { fin: false });
    ws.send('men', { fin: false });
    ws.send('ted', { fin: true });
    await expectMessage(ws, 'fragmented', false, 'text fragments');
    ws.send(Buffer.from([1, 2]), { binary: true, fin: false });
    ws.send(Buffer.from([3]), { binary: true, fin: true });
    await expectMessage(ws, Buffer.from([1, 2, 3]), true, 'binary fragments');
    await closeAndExpect(ws, 1000, '', 1000);
  },

  // The server answers our ping with its payload.
  async ping() {
    const ws = await connect('/echo');
    ws.ping('hello');
    const event = await ws.next();
    check(event.kind === 'pong', `expected a pong, got ${event.kind}`);
    check(event.data.toString() === 'hello', 'pong payload differs');
    await closeAndExpect(ws, 1000, '', 1000);
  },

  // The server pings us on connect; ws answers it, and the echo goes on.
  async serverPing() {
    const ws = await connect('/server-ping');
    const event = await ws.next();
    check(event.kind === 'ping', `expected a ping, got ${event.kind}`);
    check(event.data.toString() === 'wskit-ping', 'ping payload differs');
    ws.send('after the ping');
    await expectMessage(ws, 'after the ping', false, 'message after the ping');
    await closeAndExpect(ws, 1000, '', 1000);
  },

  // The server starts the closing handshake with a code and a reason.
  async serverClose() {
    const ws = await connect('/server-close');
    const started = Date.now();
    ws.send('close, please');
    const event = await ws.next();
    check(event.kind === 'close', `expected the close event, got ${event.kind}`);
    check(event.code === 1001, `close code ${event.code}, expected 1001`);
    check(event.reason === 'going away', `close reason "${event.reason}"`);
    check(Date.now() - started < PromptMs, 'the server did not end TCP promptly');
  },

  // Our close code and reason reach the server, which echoes the code.
  async clientCloseCode() {
    const ws = await connect('/echo');
    await closeAndExpect(ws, 4000, 'bye', 4000);
  },

  // The server picks its preferred subprotocol among those offered.
  async subprotocol() {
    const ws = await connect('/echo', ['chat', 'superchat']);
    check(ws.protocol === 'superchat', `negotiated "${ws.protocol}"`);
    await closeAndExpect(ws, 1000, '', 1000);
  },

  // The server splits its messages into 1300-byte frames; ws puts them together.
  async serverFragments() {
    const ws = await connect('/fragmenting');
    const text = 'κόσμε-'.repeat(20000);
    ws.send(text);
    await expectMessage(ws, text, false, 'fragmented echo');
    await closeAndExpect(ws, 1000, '', 1000);
  },

  // An echo server with incoming streaming answers chunk by chunk.
  async streaming() {
    const ws = await connect('/streaming');
    const binary = pattern(3 * 1024 * 1024, 11);
    ws.send(binary);
    await expectMessage(ws, binary, true, 'streamed binary');
    const text = 'κόσμε 😀 '.repeat(50000);
    ws.send(text);
    await expectMessage(ws, text, false, 'streamed text');
    await closeAndExpect(ws, 1000, '', 1000);
  },
};

const run = scenarios[scenario];
if (!run)
  fail('unknown scenario');
run().then(() => {
  console.log('ok');
  process.exit(0);
}, (error) => fail(error.message));
