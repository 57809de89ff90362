"""Python's websockets library with permessage-deflate, as a peer of WsKit.

Usage:
  python_peer.py client URL CONFIG   connects with the offer CONFIG describes, checks
                                     the agreement, exchanges compressible messages
                                     with an echo server and checks the bytes on the
                                     wire were compressed both ways
  python_peer.py server CONFIG       an echo server accepting under CONFIG; prints
                                     "port N", then for each connection "agreed ..."

CONFIG is JSON: server_no_context_takeover, client_no_context_takeover,
server_max_window_bits, client_max_window_bits (as the factories take them) and, for
the client, "expect": the parameters both ends must have agreed, from the client's
side (remote = the server).
Prints one line per step and exits non-zero at the first failure.
"""
import asyncio
import json
import random
import sys

import websockets
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
)


def parameters(config):
    return {
        name: config[name]
        for name in (
            "server_no_context_takeover",
            "client_no_context_takeover",
            "server_max_window_bits",
            "client_max_window_bits",
        )
        if name in config
    }


def agreed(ws):
    found = [e for e in ws.extensions if isinstance(e, PerMessageDeflate)]
    if not found:
        return None
    e = found[0]
    return {
        "remote_no_context_takeover": e.remote_no_context_takeover,
        "local_no_context_takeover": e.local_no_context_takeover,
        "remote_max_window_bits": e.remote_max_window_bits,
        "local_max_window_bits": e.local_max_window_bits,
    }


def messages():
    """Compressible messages of 10 to 100 KB, a repeat, small and empty ones."""
    rng = random.Random(5)
    names = ["alice", "bob", "carol", "dave", "erin"]
    result = []
    for count in (100, 300, 900):
        records = [
            {
                "id": i,
                "user": rng.choice(names),
                "score": rng.randint(0, 100000) / 100,
                "active": rng.random() < 0.5,
                "tags": rng.sample(["urgent", "info", "billing", "ops"], 2),
            }
            for i in range(count)
        ]
        result.append(json.dumps(records))
    result.append(result[0])  # the same again: context takeover pays here
    result.append(("the quick brown fox jumps over the lazy dog. " * 300).encode())
    result += ["", "x", "h\u00e9llo w\u00f6rld \u20ac" * 10]
    return result


class WireCounter:
    """Counts the bytes a connection writes and reads after the handshake."""

    def __init__(self, ws):
        self.written = 0
        self.read = 0
        transport_write = ws.transport.write
        data_received = ws.data_received

        def write(data):
            self.written += len(data)
            transport_write(data)

        def receive(data):
            self.read += len(data)
            data_received(data)

        ws.transport.write = write
        ws.data_received = receive


async def client(url, config):
    factory = ClientPerMessageDeflateFactory(**parameters(config))
    async with websockets.connect(url, extensions=[factory], compression=None, max_size=None) as ws:
        print("response header:", ws.response_headers.get("Sec-WebSocket-Extensions"))
        got = agreed(ws)
        assert got is not None, "permessage-deflate was not negotiated"
        assert got == config["expect"], f"agreed {got}, expected {config['expect']}"
        print("agreed ok")
        counter = WireCounter(ws)
        plain = 0
        for message in messages():
            await ws.send(message)
            echo = await asyncio.wait_for(ws.recv(), 10)
            assert echo == message, f"echo mismatch: {len(echo)} vs {len(message)}"
            plain += len(message.encode() if isinstance(message, str) else message)
        print(f"echo ok: {plain} bytes, wire {counter.written} out, {counter.read} in")
        # Uncompressed, the wire carries more than the payloads; an 8-bit window
        # (Huffman codes only) still takes off a quarter.
        assert counter.written < plain * 3 / 4, "the client's messages were not compressed"
        assert counter.read < plain * 3 / 4, "the server's messages were not compressed"
        print("compressed ok")
        await ws.close(code=1000)


async def server(config):
    factory = ServerPerMessageDeflateFactory(**parameters(config))

    async def echo(ws, path):
        print("agreed", json.dumps(agreed(ws), sort_keys=True), flush=True)
        async for message in ws:
            await ws.send(message)

    async with websockets.serve(
        echo, "127.0.0.1", 0, extensions=[factory], compression=None, max_size=None
    ) as running:
        port = running.sockets[0].getsockname()[1]
        print("port", port, flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "client":
        asyncio.run(asyncio.wait_for(client(sys.argv[2], json.loads(sys.argv[3])), 60))
        print("client ok")
    else:
        asyncio.run(server(json.loads(sys.argv[2])))
