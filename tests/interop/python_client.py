"""Python's websockets library as a client of a WsKit echo server.

Usage: python_client.py ws://127.0.0.1:PORT
Runs every case in order, prints one line per case and exits non-zero at the first
failure. The server echoes messages and obeys "ping-me" and "close-me:CODE".
"""
import asyncio
import sys

import websockets


async def expect_echo(ws, message):
    await ws.send(message)
    reply = await ws.recv()
    assert reply == message, f"echo mismatch: {len(reply)} vs {len(message)}"


async def run(url):
    async with websockets.connect(url, max_size=None) as ws:
        await expect_echo(ws, "h\u00e9llo w\u00f6rld \u20ac")
        print("text ok")
        await expect_echo(ws, bytes(range(256)))
        print("binary ok")
        await ws.send(["frag", "men", "ted"])  # one message in three frames
        assert await ws.recv() == "fragmented"
        await ws.send([b"\x00\x01", b"\x02"])
        assert await ws.recv() == b"\x00\x01\x02"
        print("fragmented ok")
        big = bytes(range(256)) * (64 * 1024)  # 16 MiB
        await expect_echo(ws, big)
        print("16 MiB ok")
        pong = await ws.ping(b"from-client")
        await asyncio.wait_for(pong, 5)
        await ws.send("ping-me")
        assert await ws.recv() == "pong:from-server"
        print("ping/pong ok")
        await ws.close(code=4001, reason="client bye")
        assert ws.close_code == 4001, ws.close_code
        print("client close ok")

    async with websockets.connect(url) as ws:
        await ws.send("close-me:4002")
        try:
            await ws.recv()
            raise AssertionError("the server did not close")
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4002, closed
            assert closed.rcvd.reason == "server bye", closed.rcvd.reason
        print("server close ok")


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(run(sys.argv[1]), 60))
