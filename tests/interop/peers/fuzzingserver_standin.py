#!/usr/bin/python3
"""A stand-in for the Autobahn testsuite's fuzzing server, to test the
autobahn_client example where the suite itself is not installed: the same URLs
(/getCaseCount, /runCase?case=N&agent=A, /updateReports?agent=A), a handful of
echo cases, and a JSON report instead of HTML.

Prints "READY <port>" once it listens on 127.0.0.1; writes the report to
--report when /updateReports is called, then exits.
"""

import argparse
import asyncio
import json
import urllib.parse

import websockets

# Each case: the messages sent, one at a time, each to be echoed unchanged. A
# list of pieces is sent as one fragmented message.
CASES = [
    ["Hello, Autobahn"],
    [bytes(range(256)) * 256],
    [["frag", "mented ", "tëxt"]],
    ["one", b"two", "three"],
    ["x" * 70000],
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--report", required=True)
    parser.add_argument("--lifetime", type=float, default=60.0)
    args = parser.parse_args()
    results = {}
    done = asyncio.Event()

    async def run_case(websocket, number, agent):
        outcome = "OK"
        for message in CASES[number - 1]:
            await websocket.send(message)
            expected = "".join(message) if isinstance(message, list) else message
            if await websocket.recv() != expected:
                outcome = "FAILED"
        results.setdefault(agent, {})[str(number)] = outcome

    async def handler(websocket):
        url = urllib.parse.urlsplit(websocket.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/getCaseCount":
            await websocket.send(str(len(CASES)))
        elif url.path == "/runCase":
            await run_case(websocket, int(query["case"]), query["agent"])
        elif url.path == "/updateReports":
            with open(args.report, "w", encoding="utf-8") as report:
                json.dump({"agent": query["agent"], "results": results}, report)
            done.set()
        await websocket.close()

    async def serve():
        async with websockets.serve(handler, "127.0.0.1", 0, max_size=None) as server:
            print("READY", server.sockets[0].getsockname()[1], flush=True)
            try:
                await asyncio.wait_for(done.wait(), args.lifetime)
            except asyncio.TimeoutError:
                pass

    asyncio.run(serve())


if __name__ == "__main__":
    main()
