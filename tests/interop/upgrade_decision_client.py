"""Python's websockets library against a WsKit Server that decides each upgrade.

Usage: upgrade_decision_client.py ws://127.0.0.1:PORT/
The server answers 401 (with WWW-Authenticate) without "Authorization: Bearer good",
and otherwise sets "session=<user>" per request and picks the subprotocol for the
user. Prints one line per case and exits non-zero at the first failure.
"""
import asyncio
import sys

import websockets


async def run(url):
    try:
        async with websockets.connect(url + "?user=nobody"):
            raise AssertionError("the server accepted a request without a token")
    except websockets.InvalidStatusCode as refused:
        assert refused.status_code == 401, refused.status_code
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="chat"', refused.headers
    print("401 ok")

    for user, subprotocol in (("alice", "chat.v2"), ("bob", "chat.v1")):
        async with websockets.connect(url + "?user=" + user,
                                      extra_headers={"Authorization": "Bearer good"},
                                      subprotocols=["chat.v1", "chat.v2"]) as ws:
            cookie = ws.response_headers["Set-Cookie"]
            assert cookie == f"session={user}; Path=/; HttpOnly", cookie
            assert ws.subprotocol == subprotocol, ws.subprotocol
            await ws.send("hello " + user)
            assert await ws.recv() == "hello " + user
        print(f"{user} ok")


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(run(sys.argv[1]), 60))
