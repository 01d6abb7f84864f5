"""Shared machinery for sluice's scripted WebSocket test peers.

Each peer (nightingale_peer.py, i386chat_peer.py, singyeong_peer.py) is a real
WebSocket server on 127.0.0.1 built on Debian's python3-websockets 10.4
(asyncio API, `websockets.serve`). Run them with /usr/bin/python3.

This module gives every peer the same outer shell:

* command line: --host, --port (0 = any free port), --events, --verbose,
  --no-stdin, --exit-on-eof, --lifetime, --test-commands, --max-size,
  --ping-interval (each peer adds its own protocol options);
* stdout: the first line is always `listening HOST PORT`; every later line is
  one JSON object: a reply to a control command (`{"reply": ID, "ok": ...}`)
  or, with --events, an event (`{"event": NAME, ...}`) saying what the peer
  saw or did (connection opened, frame received, protocol error, close);
* stdin: control commands, one JSON object a line, e.g.
  `{"cmd": "drop"}` or `{"id": 7, "cmd": "close", "code": 4000}`; the reply
  echoes `id`. The same commands can come in-band from a client when the peer
  runs with --test-commands (each peer documents its in-band envelope);
* connection bookkeeping (`Conn`): ids, query, headers, send/close/drop.

Commands every peer understands (`conn` selects one connection by id; without
it the command applies to every open connection):
  ping                          -> {"ok": true, "pong": true}
  conns                         -> the open connections and their state
  stats                         -> counters (connections, frames in/out, errors)
  drop [conn]                   drop the TCP connection, no close frame
  close [conn] [code] [reason]  close with a close frame (default 1000)
  send [conn] text|json         send a raw text frame or a JSON value
  set option value              change a peer option at run time (same names
                                as the command line, with '_' for '-')
  get option                    read a peer option
  quit                          stop the server and exit 0
"""
from __future__ import annotations

import argparse
import asyncio
import http
import json
import os
import signal
import ssl
import sys
import time
import urllib.parse
import zlib
from typing import Any, Callable, Optional

import websockets
import websockets.exceptions
import websockets.server


def output(line: str) -> None:
    """Writes one stdout line; once the reader is gone (the test ended),
    further output goes nowhere instead of raising BrokenPipeError."""
    try:
        print(line, flush=True)
    except (BrokenPipeError, ValueError):
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass


def now_ms() -> int:
    """Wall-clock milliseconds since the Unix epoch (what `ts` fields carry)."""
    return int(time.time() * 1000)


class ProtocolError(Exception):
    """A client broke the protocol; the peer reports it and closes."""

    def __init__(self, message: str, code: int = 1008):
        super().__init__(message)
        self.code = code


def strict_json_loads(text: str) -> Any:
    """json.loads that refuses what JSON does not allow (NaN, Infinity) and
    duplicate keys, so a sloppy client encoder is caught."""

    def no_constants(name: str) -> Any:
        raise ValueError(f"invalid JSON literal {name}")

    def no_duplicates(pairs: list) -> dict:
        out: dict = {}
        for k, v in pairs:
            if k in out:
                raise ValueError(f"duplicate key {k!r}")
            out[k] = v
        return out

    return json.loads(text, parse_constant=no_constants, object_pairs_hook=no_duplicates)


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 left as is, the way the real servers write it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def is_int(v: Any) -> bool:
    """A JSON integer (Python bool is an int subclass: exclude it)."""
    return isinstance(v, int) and not isinstance(v, bool)


def http_error(status: int, body: Any = None, headers: Optional[list] = None):
    """A response tuple for websockets' process_request hook; `body` is None
    (empty), bytes (sent as text/plain) or a JSON value."""
    if body is None:
        payload, hdrs = b"", []
    elif isinstance(body, bytes):
        payload, hdrs = body, [("Content-Type", "text/plain; charset=utf-8")]
    else:
        payload, hdrs = dumps(body).encode(), [("Content-Type", "application/json")]
    hdrs += headers or []
    hdrs.append(("Content-Length", str(len(payload))))
    return http.HTTPStatus(status), hdrs, payload


class Conn:
    """One client connection: the socket plus the protocol state the peer keeps."""

    def __init__(self, peer: "Peer", ws: websockets.server.WebSocketServerProtocol, cid: int):
        self.peer = peer
        self.ws = ws
        self.id = cid
        raw = ws.path or "/"
        parsed = urllib.parse.urlsplit(raw)
        self.path = parsed.path
        self.query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        self.headers = ws.request_headers
        self.state: dict = {}  # protocol state, shown by `conns` (keys starting with "_" are not)
        self.closed = False
        self.tasks: list[asyncio.Task] = []
        # Transport compression (Discord's zlib-stream): set by the peer with
        # compress_zlib_stream(); every text message then goes out as binary.
        self.deflate = None
        self.deflate_chunk = 0

    def compress_zlib_stream(self, chunk: int = 0) -> None:
        """From now on each text message is deflated into the connection's one
        zlib stream and ends with a sync flush (00 00 ff ff), sent as binary
        WebSocket messages: one per payload, or pieces of `chunk` bytes (the
        client must buffer until the suffix)."""
        self.deflate = zlib.compressobj()
        self.deflate_chunk = chunk

    async def send_text(self, text: str) -> None:
        if self.closed:
            return
        self.peer.stats["frames_out"] += 1
        self.peer.log(f"[{self.id}] >> {text[:300]}")
        try:
            if self.deflate is None:
                await self.ws.send(text)
                return
            data = self.deflate.compress(text.encode()) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
            step = self.deflate_chunk or len(data)
            for at in range(0, len(data), step):
                await self.ws.send(data[at:at + step])
        except websockets.exceptions.ConnectionClosed:
            pass

    async def send_json(self, value: Any) -> None:
        await self.send_text(dumps(value))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Closes with a close frame (and waits briefly for the client's)."""
        if self.closed:
            return
        self.closed = True
        self.peer.emit("close_sent", conn=self.id, code=code, reason=reason)
        try:
            await asyncio.wait_for(self.ws.close(code, reason), timeout=2)
        except Exception:
            self.ws.transport.abort()

    def drop(self) -> None:
        """Drops the TCP connection without a close frame (a network failure)."""
        if self.closed:
            return
        self.closed = True
        self.peer.emit("dropped", conn=self.id)
        self.ws.transport.abort()

    def spawn(self, coro) -> asyncio.Task:
        """Runs a coroutine for the lifetime of this connection."""
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.append(task)
        return task

    def describe(self) -> dict:
        public = {k: v for k, v in self.state.items() if not k.startswith("_")}
        return {"conn": self.id, "path": self.path, "query": self.query, **public}


class Peer:
    """Base class: the server shell, control commands and event output.

    A protocol peer overrides:
      add_arguments(parser)           its command-line options
      process_request(path, headers)  None to accept the upgrade, or a response
      on_connect(conn)                the connection is open (send hello...)
      on_text(conn, text)             one text message arrived
      on_binary(conn, data)           one binary message arrived (default: error)
      on_disconnect(conn, code)       the connection ended
      on_command(cmd) -> dict|None    its own control commands (None = unknown)
      describe_state() -> dict        extra fields for `stats`
    """

    name = "peer"
    description = ""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.conns: dict[int, Conn] = {}
        self.next_conn = 1
        self.stats = {"connections": 0, "frames_in": 0, "frames_out": 0, "protocol_errors": 0, "refused": 0}
        self.stop = asyncio.Event()

    # ----- overridables -------------------------------------------------

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        pass

    async def process_request(self, path: str, headers) -> Optional[tuple]:
        return None

    async def on_connect(self, conn: Conn) -> None:
        pass

    async def on_text(self, conn: Conn, text: str) -> None:
        pass

    async def on_binary(self, conn: Conn, data: bytes) -> None:
        await self.protocol_error(conn, "binary frames are not part of this protocol", 1003)

    async def on_disconnect(self, conn: Conn, code: Optional[int]) -> None:
        pass

    async def on_command(self, cmd: dict) -> Optional[dict]:
        return None

    def describe_state(self) -> dict:
        return {}

    # ----- helpers for peers --------------------------------------------

    def log(self, text: str) -> None:
        if self.args.verbose:
            print(f"{self.name}: {text}", file=sys.stderr, flush=True)

    def emit(self, event: str, **fields: Any) -> None:
        """Writes an event line on stdout when --events is on."""
        if self.args.events:
            output(dumps({"event": event, **fields}))

    async def protocol_error(self, conn: Conn, message: str, code: int) -> None:
        """Reports a client's protocol violation and closes with `code`."""
        self.stats["protocol_errors"] += 1
        self.emit("protocol_error", conn=conn.id, message=message, code=code)
        self.log(f"[{conn.id}] protocol error: {message} -> close {code}")
        await conn.close(code, message[:120])

    def targets(self, cmd: dict) -> list[Conn]:
        """The connections a command applies to: `conn` or all open ones."""
        if "conn" in cmd and cmd["conn"] is not None:
            c = self.conns.get(int(cmd["conn"]))
            return [c] if c and not c.closed else []
        return [c for c in self.conns.values() if not c.closed]

    def option_name(self, name: str) -> str:
        return name.replace("-", "_")

    # ----- control commands ---------------------------------------------

    async def command(self, cmd: dict) -> dict:
        """Runs one control command (from stdin or in-band); returns the reply."""
        if not isinstance(cmd, dict) or not isinstance(cmd.get("cmd"), str):
            return {"ok": False, "error": "a command is an object with a string 'cmd'"}
        name = cmd["cmd"]
        try:
            reply = await self.on_command(cmd)
            if reply is not None:
                return reply
            if name == "ping":
                return {"ok": True, "pong": True}
            if name == "conns":
                return {"ok": True, "conns": [c.describe() for c in self.conns.values() if not c.closed]}
            if name == "stats":
                return {"ok": True, **self.stats, "open": sum(1 for c in self.conns.values() if not c.closed),
                        **self.describe_state()}
            if name == "drop":
                hit = self.targets(cmd)
                for c in hit:
                    c.drop()
                return {"ok": True, "count": len(hit)}
            if name == "close":
                hit = self.targets(cmd)
                for c in hit:
                    await c.close(int(cmd.get("code", 1000)), str(cmd.get("reason", "")))
                return {"ok": True, "count": len(hit)}
            if name == "send":
                hit = self.targets(cmd)
                for c in hit:
                    if "text" in cmd:
                        await c.send_text(str(cmd["text"]))
                    else:
                        await c.send_json(cmd.get("json"))
                return {"ok": True, "count": len(hit)}
            if name == "set":
                opt = self.option_name(str(cmd.get("option", "")))
                if not hasattr(self.args, opt):
                    return {"ok": False, "error": f"unknown option {cmd.get('option')!r}"}
                setattr(self.args, opt, cmd.get("value"))
                return {"ok": True}
            if name == "get":
                opt = self.option_name(str(cmd.get("option", "")))
                if not hasattr(self.args, opt):
                    return {"ok": False, "error": f"unknown option {cmd.get('option')!r}"}
                return {"ok": True, "value": getattr(self.args, opt)}
            if name == "quit":
                self.stop.set()
                return {"ok": True}
            return {"ok": False, "error": f"unknown command {name!r}"}
        except (KeyError, TypeError, ValueError) as e:
            return {"ok": False, "error": f"bad arguments for {name!r}: {e}"}

    async def read_stdin(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        try:
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        except (ValueError, OSError):
            return  # stdin is a regular file or closed: no control channel
        while True:
            line = await reader.readline()
            if not line:
                if self.args.exit_on_eof:
                    self.stop.set()
                return
            line = line.strip()
            if not line:
                continue
            try:
                cmd = json.loads(line)
            except ValueError as e:
                output(dumps({"reply": None, "ok": False, "error": f"bad JSON: {e}"}))
                continue
            reply = await self.command(cmd)
            output(dumps({"reply": cmd.get("id") if isinstance(cmd, dict) else None, **reply}))

    # ----- server --------------------------------------------------------

    async def _process_request(self, path: str, headers):
        resp = await self.process_request(path, headers)
        if resp is not None:
            self.stats["refused"] += 1
            self.emit("refused", path=path, status=int(resp[0]))
        return resp

    async def _handler(self, ws) -> None:
        conn = Conn(self, ws, self.next_conn)
        self.next_conn += 1
        self.conns[conn.id] = conn
        self.stats["connections"] += 1
        self.emit("connected", conn=conn.id, path=conn.path, query=conn.query)
        self.log(f"[{conn.id}] open {ws.path}")
        try:
            await self.on_connect(conn)
            async for message in ws:
                if conn.closed:
                    break
                self.stats["frames_in"] += 1
                if isinstance(message, str):
                    self.log(f"[{conn.id}] << {message[:300]}")
                    await self.on_text(conn, message)
                else:
                    self.log(f"[{conn.id}] << binary {len(message)} bytes")
                    await self.on_binary(conn, message)
        except websockets.exceptions.ConnectionClosed:
            pass
        finally:
            conn.closed = True
            for t in conn.tasks:
                t.cancel()
            code = ws.close_code
            # 1006 = no close frame: the client (or the network) dropped.
            self.emit("disconnected", conn=conn.id, code=code, reason=ws.close_reason or "")
            self.log(f"[{conn.id}] closed {code}")
            await self.on_disconnect(conn, code)

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.stop.set)
            except (NotImplementedError, RuntimeError):
                pass
        ping = self.args.ping_interval if self.args.ping_interval and self.args.ping_interval > 0 else None
        async with websockets.serve(
            self._handler,
            self.args.host,
            self.args.port,
            process_request=self._process_request,
            max_size=self.args.max_size,
            ping_interval=ping,
            ping_timeout=ping,
            compression=None,  # sluice's codec speaks no extensions; keep frames plain
            ssl=ssl_context(self.args),
        ) as server:
            port = server.sockets[0].getsockname()[1]
            output(f"listening {self.args.host} {port}")
            tasks = []
            if not self.args.no_stdin:
                tasks.append(loop.create_task(self.read_stdin()))
            if self.args.lifetime and self.args.lifetime > 0:
                loop.call_later(self.args.lifetime, self.stop.set)
            await self.stop.wait()
            for t in tasks:
                t.cancel()
            for c in list(self.conns.values()):
                if not c.closed:
                    c.drop()


def common_arguments(parser: argparse.ArgumentParser, default_max_size: int) -> None:
    g = parser.add_argument_group("common peer options")
    g.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    g.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default 0)")
    g.add_argument("--events", action="store_true", help="print one JSON event line on stdout per thing seen or done")
    g.add_argument("--verbose", action="store_true", help="log every frame on stderr")
    g.add_argument("--no-stdin", action="store_true", help="do not read control commands from stdin")
    g.add_argument("--exit-on-eof", action="store_true", help="exit when stdin closes (tests: the peer dies with its parent)")
    g.add_argument("--lifetime", type=float, default=0, help="exit after this many seconds (0 = run until told)")
    g.add_argument("--test-commands", action="store_true",
                   help="accept in-band control commands from clients (see the peer's docs for the envelope)")
    g.add_argument("--max-size", type=int, default=default_max_size,
                   help=f"largest inbound message in bytes; larger closes with 1009 (default {default_max_size})")
    g.add_argument("--ping-interval", type=float, default=0,
                   help="send WebSocket pings this often in seconds and drop unanswered ones (0 = off, the default)")
    g.add_argument("--cert", default=None, help="serve wss:// with this certificate chain (PEM; needs --key)")
    g.add_argument("--key", default=None, help="the private key of --cert (PEM)")


def ssl_context(args: argparse.Namespace) -> Optional[ssl.SSLContext]:
    """The server's TLS context with --cert/--key, or None (plain ws://)."""
    if not getattr(args, "cert", None):
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    return ctx


def main(peer_class: Callable[[argparse.Namespace], Peer], default_max_size: int = 1 << 20,
         argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(prog=os.path.basename(sys.argv[0]), description=peer_class.description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    peer_class.add_arguments(parser)
    common_arguments(parser, default_max_size)
    args = parser.parse_args(argv)

    async def run() -> None:
        await peer_class(args).serve()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    return 0
