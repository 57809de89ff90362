"""Python's websockets library receiving a WsKit server's PreparedMessage broadcast.

Usage: prepared_python.py ws://127.0.0.1:PORT COUNT
Opens one connection per kind of receiver (uncompressed; compressed with and without
the server's context takeover; without it at a 9-bit window), checks what each
negotiated, says "ready KIND" over it, then receives COUNT messages on each and prints
"KIND INDEX TYPE SHA256" per message. The server broadcasts once every kind is ready.
"""
import asyncio
import hashlib
import sys

import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory, PerMessageDeflate

KINDS = {
    "uncompressed": None,
    "takeover": {},
    "fresh": {"server_no_context_takeover": True},
    "fresh9": {"server_no_context_takeover": True, "server_max_window_bits": 9},
}


def negotiated(ws):
    found = [e for e in ws.extensions if isinstance(e, PerMessageDeflate)]
    if not found:
        return None
    return {"no_context_takeover": found[0].remote_no_context_takeover,
            "window": found[0].remote_max_window_bits}


async def receive(url, kind, parameters, count, lines):
    extensions = [] if parameters is None else [ClientPerMessageDeflateFactory(**parameters)]
    async with websockets.connect(url, extensions=extensions, compression=None, max_size=None) as ws:
        agreed = negotiated(ws)
        if parameters is None:
            assert agreed is None, agreed
        else:
            assert agreed is not None, kind
            assert agreed["no_context_takeover"] == parameters.get("server_no_context_takeover", False), agreed
            if "server_max_window_bits" in parameters:
                assert agreed["window"] == parameters["server_max_window_bits"], agreed
        await ws.send("ready " + kind)
        for index in range(count):
            message = await ws.recv()
            data = message.encode() if isinstance(message, str) else message
            kind_of = "text" if isinstance(message, str) else "binary"
            lines.append(f"{kind} {index} {kind_of} {hashlib.sha256(data).hexdigest()}")


async def run(url, count):
    lines = []
    await asyncio.gather(*(receive(url, kind, parameters, count, lines) for kind, parameters in KINDS.items()))
    print("\n".join(sorted(lines)))


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(run(sys.argv[1], int(sys.argv[2])), 60))
