#!/usr/bin/python3
"""A WebSocket echo server on Debian's python3-websockets (10.4), for sluice's
interop tests (tests/ws/interop.cpp).

    /usr/bin/python3 ws_server.py

stdout: one line `listening 127.0.0.1 PORT` (a free port). Exits when stdin closes.

Every message is echoed with its type, except these text commands:
    cmd:ping:DATA          send a ping with DATA; when its pong arrives, send "pong-received:DATA"
    cmd:close:CODE:REASON  close the connection with CODE and REASON
    cmd:fragments          send the text "fragmented ✓" as three fragments
    cmd:fragments-binary   send the bytes 00 01 02 as three fragments (one empty)
    cmd:whoami             send back the Authorization header of the upgrade
Paths under /auth need "Authorization: Bearer sekret", else the upgrade gets 401.
A path /status/NNN (anything after the three digits) refuses the upgrade with HTTP status NNN.
"""
import asyncio
import sys
from http import HTTPStatus

import websockets

TOKEN = "Bearer sekret"


async def process_request(path, headers):
    if path.startswith("/auth") and headers.get("Authorization") != TOKEN:
        return HTTPStatus.UNAUTHORIZED, [("WWW-Authenticate", "Bearer")], b"missing or wrong token\n"
    if path.startswith("/status/"):
        digits = path[len("/status/"):len("/status/") + 3]
        return HTTPStatus(int(digits)), [], b"refused\n"
    return None


async def handler(ws):
    try:
        await serve_messages(ws)
    except websockets.ConnectionClosed:
        pass  # an abnormal or non-1000 close is part of the tests, not a server error


async def serve_messages(ws):
    async for msg in ws:
        if isinstance(msg, str) and msg.startswith("cmd:"):
            parts = msg.split(":", 3)
            cmd = parts[1]
            if cmd == "ping":
                waiter = await ws.ping(parts[2])
                await waiter
                await ws.send("pong-received:" + parts[2])
            elif cmd == "close":
                await ws.close(int(parts[2]), parts[3] if len(parts) > 3 else "")
                return
            elif cmd == "fragments":
                await ws.send(["frag", "ment", "ed ✓"])
            elif cmd == "fragments-binary":
                await ws.send([b"\x00\x01", b"", b"\x02"])
            elif cmd == "whoami":
                await ws.send(ws.request_headers.get("Authorization", ""))
        else:
            await ws.send(msg)


async def main():
    async with websockets.serve(handler, "127.0.0.1", 0, process_request=process_request,
                                max_size=4 << 20, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening 127.0.0.1 {port}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


asyncio.run(main())
