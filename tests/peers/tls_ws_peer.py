#!/usr/bin/python3
"""A WebSocket echo server over TLS (python3-websockets 10.4 and Python's ssl),
for sluice-client's TLS test.

    /usr/bin/python3 tls_ws_peer.py --cert cert.pem --key key.pem

stdout: one line `listening 127.0.0.1 PORT` (a free port), then one JSON line
per connection that got through TLS and the upgrade ({"event": "connected",
"path": ...}). Every message is echoed.
Exits when stdin closes. The test makes a self-signed certificate with openssl
at run time (SAN DNS:localhost and IP:127.0.0.1): sluice-client refuses it by
default and accepts it with --ca-file.
"""
import argparse
import asyncio
import json
import ssl
import sys

import websockets


def report(obj):
    print(json.dumps(obj), flush=True)


async def handler(ws):
    report({"event": "connected", "path": ws.path})
    try:
        async for msg in ws:
            await ws.send(msg)
    except websockets.ConnectionClosed:
        pass


async def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--host", default="127.0.0.1")
    args = p.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    loop = asyncio.get_running_loop()
    async with websockets.serve(handler, args.host, 0, ssl=ctx, compression=None) as server:
        print(f"listening {args.host} {server.sockets[0].getsockname()[1]}", flush=True)
        await loop.run_in_executor(None, sys.stdin.read)


asyncio.run(main())
