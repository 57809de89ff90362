"""Python's websockets as a client of the fault tests' echo server, through the
fault proxy.

Usage: python_peer.py ws://127.0.0.1:PORT/ MODE
  echo: sends messages of several sizes, checks each echo, closes with 1000.
  big:  sends "ready?", waits for "go", then sends 200 KB that do not compress (the
        proxy breaks the connection inside them).
Exits 0 when the exchange completed (echo) or the connection broke (big).
"""
import asyncio
import random
import sys

import websockets


async def run(url, mode):
    async with websockets.connect(url, max_size=None, open_timeout=30) as ws:
        if mode == "echo":
            for size in (0, 1, 125, 126, 5000, 70000):
                message = bytes((i * 7) % 251 for i in range(size))
                await ws.send(message)
                assert await ws.recv() == message, f"echo of {size} bytes differs"
            await ws.close(code=1000)
            return 0
        await ws.send("ready?")
        assert await ws.recv() == "go"
        try:
            await ws.send(random.Random(11).randbytes(200000))
            await asyncio.wait_for(ws.recv(), 60)
        except (websockets.ConnectionClosed, ConnectionError):
            return 0
        return 1


sys.exit(asyncio.run(run(sys.argv[1], sys.argv[2])))
