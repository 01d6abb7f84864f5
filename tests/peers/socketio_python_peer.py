#!/usr/bin/python3
"""A scripted Socket.IO v5 server on Debian's python3-socketio (5.7), for
sluice's interop tests; the same behaviour as socketio_peer.js.

    /usr/bin/python3 socketio_python_peer.py [--port 0] [--ping-interval MS] [--ping-timeout MS]

python-socketio needs an async web server with WebSocket support, and Debian
12 packages none that python-engineio drives (no aiohttp, no uvicorn). The
server is therefore python-socketio's ASGI application served by a small ASGI
adapter on python3-websockets 10.4: websockets does the upgrade, the adapter
turns its messages into ASGI `websocket.*` events. Only WebSocket requests
are served (the client under test never polls).

stdout: first line `listening 127.0.0.1 PORT`, then one JSON object a line
for what the server sees. Exits when stdin closes.

Namespaces "/" and "/admin" accept any client whose auth is not
{"token": "refuse"}; "/refused" refuses everyone (CONNECT_ERROR
{"message": "not authorized", "data": {"reason": "refused by test"}}).
Events: see socketio_peer.js (welcome, echo, ask, request-ack/question/answer,
binary/binary-echo, binary-ack, kick, kick-all).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import urllib.parse

import socketio
import websockets
import websockets.exceptions
import websockets.server


def report(obj) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def plain(args):
    return [{"binary": list(a)} if isinstance(a, (bytes, bytearray)) else a for a in args]


def make_server(ping_interval_ms: int, ping_timeout_ms: int) -> socketio.AsyncServer:
    sio = socketio.AsyncServer(async_mode="asgi", ping_interval=ping_interval_ms / 1000.0,
                               ping_timeout=ping_timeout_ms / 1000.0, transports=["websocket"])

    for ns in ("/", "/admin", "/refused"):
        def bind(ns: str) -> None:
            @sio.on("connect", namespace=ns)
            async def connect(sid, environ, auth=None):
                auth = auth or {}
                if ns == "/refused" or auth.get("token") == "refuse":
                    report({"event": "refused", "nsp": ns, "auth": auth})
                    raise socketio.exceptions.ConnectionRefusedError("not authorized", {"reason": "refused by test"})
                report({"event": "connection", "nsp": ns, "auth": auth, "id": sid})
                # after the CONNECT answer has gone out
                sio.start_background_task(sio.emit, "welcome", {"nsp": ns, "auth": auth, "id": sid}, to=sid, namespace=ns)

            @sio.on("*", namespace=ns)
            async def any_event(name, sid, *args):
                report({"event": "received", "nsp": ns, "name": name, "args": plain(list(args))})
                if name == "echo":
                    await sio.emit("echo", tuple(args), to=sid, namespace=ns)
                    return tuple(args)
                if name == "ask":
                    return {"doubled": args[0] * 2}
                if name == "request-ack":
                    async def answered(*answer):
                        report({"event": "answered", "nsp": ns, "args": plain(list(answer))})
                        await sio.emit("answer", tuple(answer), to=sid, namespace=ns)
                    await sio.emit("question", tuple(args), to=sid, namespace=ns, callback=answered)
                if name == "binary":
                    await sio.emit("binary-echo", (args[0], args[1], bytes([1, 2, 3])), to=sid, namespace=ns)
                if name == "binary-ack":
                    return ("bin", bytes([9, 8, 7]))
                if name == "kick":
                    await sio.disconnect(sid, namespace=ns)
                if name == "kick-all":
                    eio_sid = sio.manager.eio_sid_from_sid(sid, ns)
                    for other in list(sio.manager.get_namespaces()):
                        other_sid = sio.manager.sid_from_eio_sid(eio_sid, other)
                        if other_sid is not None:
                            await sio.disconnect(other_sid, namespace=other)
                    await sio.eio.disconnect(eio_sid)
                return None

            @sio.on("disconnect", namespace=ns)
            async def disconnect(sid):
                report({"event": "disconnect", "nsp": ns})

        bind(ns)
    return sio


def asgi_over_websockets(app):
    """A websockets connection handler that runs an ASGI app for it."""

    async def handler(ws: websockets.server.WebSocketServerProtocol, path: str) -> None:
        url = urllib.parse.urlsplit(path)
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": url.path,
            "raw_path": url.path.encode(),
            "query_string": url.query.encode(),
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in ws.request_headers.raw_items()],
            "client": ws.remote_address[:2] if ws.remote_address else None,
            "server": ws.local_address[:2] if ws.local_address else None,
            "subprotocols": [],
        }
        connected = False

        async def receive():
            nonlocal connected
            if not connected:
                connected = True
                return {"type": "websocket.connect"}
            try:
                msg = await ws.recv()
            except websockets.exceptions.ConnectionClosed as exc:
                return {"type": "websocket.disconnect", "code": exc.code}
            if isinstance(msg, bytes):
                return {"type": "websocket.receive", "bytes": msg}
            return {"type": "websocket.receive", "text": msg}

        async def send(message):
            kind = message["type"]
            try:
                if kind == "websocket.send":
                    data = message.get("bytes")
                    await ws.send(data if data is not None else message.get("text", ""))
                elif kind == "websocket.close":
                    await ws.close(message.get("code", 1000), message.get("reason") or "")
                # websocket.accept: websockets has already completed the upgrade
            except websockets.exceptions.ConnectionClosed:
                pass

        await app(scope, receive, send)
        await ws.close()

    return handler


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ping-interval", type=int, default=25000)
    parser.add_argument("--ping-timeout", type=int, default=20000)
    args = parser.parse_args()

    sio = make_server(args.ping_interval, args.ping_timeout)
    app = socketio.ASGIApp(sio)
    async with websockets.serve(asgi_over_websockets(app), "127.0.0.1", args.port, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        sys.stdout.write(f"listening 127.0.0.1 {port}\n")
        sys.stdout.flush()
        loop = asyncio.get_running_loop()
        stdin_closed = loop.create_future()

        def read_stdin() -> None:  # a thread: works for pipes, terminals and files alike
            while sys.stdin.buffer.read1(65536):
                pass
            loop.call_soon_threadsafe(lambda: stdin_closed.done() or stdin_closed.set_result(None))

        threading.Thread(target=read_stdin, daemon=True).start()
        await stdin_closed


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
