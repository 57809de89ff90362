#!/usr/bin/python3
"""An echo server on Python's websockets, for the client interop tests.

Prints "READY <port>" once it listens on 127.0.0.1 and serves until it is
killed or --lifetime seconds have passed. The first message on every connection
is a JSON report of the handshake as this server saw it; every later message is
echoed. Requests for /forbidden are refused with 403 and a body.
"""

import argparse
import asyncio
import http
import json
import ssl

import websockets


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--subprotocol", action="append")
    parser.add_argument("--lifetime", type=float, default=60.0)
    args = parser.parse_args()

    context = None
    server_names = {}
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        context.set_alpn_protocols(["http/1.1"])

        def remember_server_name(ssl_object, server_name, _context):
            server_names[id(ssl_object)] = server_name

        context.sni_callback = remember_server_name

    async def process_request(path, _headers):
        if path.startswith("/forbidden"):
            return (http.HTTPStatus.FORBIDDEN, [("Content-Type", "text/plain"), ("X-Reason", "test")],
                    b"no entry here\n")
        return None

    async def handler(websocket):
        ssl_object = websocket.transport.get_extra_info("ssl_object")
        headers = websocket.request_headers
        report = {
            "path": websocket.path,
            "subprotocol": websocket.subprotocol,
            "headers": {name.lower(): headers.get_all(name) for name in headers.keys()},
            "sni": server_names.get(id(ssl_object)) if ssl_object else None,
            "alpn": ssl_object.selected_alpn_protocol() if ssl_object else None,
        }
        await websocket.send(json.dumps(report))
        async for message in websocket:
            await websocket.send(message)

    async def serve():
        async with websockets.serve(handler, "127.0.0.1", 0, ssl=context, subprotocols=args.subprotocol,
                                    process_request=process_request, max_size=None) as server:
            print("READY", server.sockets[0].getsockname()[1], flush=True)
            await asyncio.sleep(args.lifetime)

    asyncio.run(serve())


if __name__ == "__main__":
    main()
