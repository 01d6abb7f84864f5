#!/usr/bin/python3
"""A scripted 신경 (singyeong) message router (seed 003 and the real server).

Endpoint: /gateway/websocket?encoding=json (json is the default; etf and
msgpack are real encodings the peer does not speak: 400; anything else: 403).

Frames {"op", "d", "t", "ts"}; the peer writes every key, `t` null outside
dispatches and `ts` in epoch milliseconds, as the real server does.
  0 hello {heartbeat_interval}     1 identify     2 ready {client_id, restricted}
  3 invalid {error, extra_info}    4 dispatch     5 heartbeat {client_id}
  6 heartbeat_ack {client_id}      7 goodbye      8 error {error, extra_info}
An op 8 is fatal: the peer closes the connection right after it (code 1000,
--error-close-code), as the real server does. Op 3 is not fatal.

Identify: client_id and application_id (strings without spaces); optional
auth (a wrong one with --auth set gives restricted mode), ip, namespace,
metadata (initial metadata, validated), receive_client_updates. With
--accept-application-name the seed's `application_name` is taken as well.

Dispatches the client may send (t): UPDATE_METADATA, SEND, BROADCAST,
QUERY_NODES, QUEUE, QUEUE_REQUEST, QUEUE_REQUEST_CANCEL, QUEUE_ACK. A
restricted client may only UPDATE_METADATA (others: op 3). Routing queries are
evaluated over the stored metadata: v2 ops {path, op, to: {value} | {path,
default}} with $eq $ne $gt $gte $lt $lte $in $nin $contains $ncontains and
{op: $and|$or|$nor, with: [...]}, the v1 form {key: {"$op": value}} (logical
ops per key), application, restricted, optional, droppable, key (consistent
hash: crc32(key) mod matches) and selector {$min|$max|$avg: key}.

Delivery: SEND (one match, random unless key/selector) and BROADCAST (all)
arrive as op 4 with d {target: null, nonce, payload} like the real server,
plus `sender` (the seed's field; --real-shapes drops it). No match and not
droppable: op 3 {"error": "no_route", "extra_info": <the dispatch>}.
QUERY_NODES (d: a query, or {target, nonce}) answers QUERY_NODES
{nodes: [{app_id, client_id, restricted, metadata: {key: value}}], nonce}.
QUEUE {queue, target, nonce, payload} answers QUEUE_CONFIRM {queue, nonce}
(--real-shapes: {queue} only) and hands the message to the longest-waiting
QUEUE_REQUEST client matching the target as op 4 QUEUE {nonce, payload: {queue,
id, payload}}; unacked messages go back to the queue after --ack-timeout s;
a message no client matches at all goes to the dead-letter list, as on the
real server. CLIENT_CONNECTED / CLIENT_DISCONNECTED {app} go to every
unrestricted client that asked for receive_client_updates (wrapped like a SEND:
d {target: null, nonce: null, payload: {app}}; --flat-client-updates: d {app}).

Heartbeats: the first within heartbeat_interval * 1.5 of identify, then each
within 1.5 intervals of the previous: else op 8 "heartbeat took too long".

Bad input, as the real server answers it (op 8 then close unless noted):
malformed JSON ("cannot decode payload"), binary frames, a frame without
`d`, any op before identify, an unknown op, a bad identify, duplicate
client ids, a dispatch without `t`, an unparsable query ("internal server
error"); op 3 (not fatal) for invalid metadata, an unknown dispatch type and
no route.

Control commands (stdin, or in-band as a dispatch with t TEST_COMMAND and the
command as d, with --test-commands), besides peerlib's common ones:
  goodbye [reason] [delay_ms]   op 7, then close after delay_ms (default 200) unless the client closes
  invalid error [extra_info]    op 3          error error [extra_info]   op 8 and close
  dispatch t d                  op 4 with type t
  withhold_acks [value]         stop (true, default) or resume heartbeat acks
  clients                       identified clients with their metadata
  queues                        queue contents, waiting clients, unacked and dead letters
"""
from __future__ import annotations

import asyncio
import os
import random
import re
import sys
import time
import urllib.parse
import uuid
import zlib
from collections import deque
from typing import Any, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerlib  # noqa: E402
from peerlib import Conn, http_error, is_int, now_ms, strict_json_loads  # noqa: E402

HELLO, IDENTIFY, READY, INVALID, DISPATCH, HEARTBEAT, HEARTBEAT_ACK, GOODBYE, ERROR = range(9)
OP_NAMES = {0: "hello", 1: "identify", 2: "ready", 3: "invalid", 4: "dispatch", 5: "heartbeat",
            6: "heartbeat_ack", 7: "goodbye", 8: "error"}

BOOLEAN_OPS = {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$contains", "$ncontains"}
LOGICAL_OPS = {"$and", "$or", "$nor"}
SELECTORS = {"$min", "$max", "$avg"}
FORBIDDEN_KEYS = {"last_heartbeat_time", "ip", "restricted", "encoding", "namespace", "receive_client_updates"}
VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


class QueryError(Exception):
    pass


class Fatal(Exception):
    """The client sent something the real server answers with op 8 and a close."""

    def __init__(self, error: str, extra: Any = None):
        super().__init__(error)
        self.error, self.extra = error, extra


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def version_key(s: str) -> Optional[tuple]:
    m = VERSION.match(s) if isinstance(s, str) else None
    if not m:
        return None
    pre = m.group(4)
    # A pre-release sorts before its release (1.0.0-rc < 1.0.0).
    pre_key = (1,) if pre is None else (0, tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")))
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), pre_key


def validate_metadata(data: Any) -> tuple[dict, dict]:
    """{key: {type, value}} -> (accepted entries, errors by key), as the real store checks them."""
    if not isinstance(data, dict):
        return {}, {"": "metadata must be an object"}
    ok, errors = {}, {}
    checks = {"string": lambda v: isinstance(v, str), "integer": is_int,
              "float": lambda v: isinstance(v, float), "version": lambda v: version_key(v) is not None,
              "list": lambda v: isinstance(v, list), "boolean": lambda v: isinstance(v, bool),
              "map": lambda v: isinstance(v, dict)}
    for key, entry in data.items():
        if not isinstance(entry, dict) or "type" not in entry or "value" not in entry:
            errors[key] = f"{key}: metadata entries are {{type, value}}"
        elif entry["type"] not in checks:
            errors[key] = f"{key}: type '{entry['type']}' doesn't exists"
        elif key in FORBIDDEN_KEYS:
            errors[key] = f"{key}: forbidden metadata key"
        elif not checks[entry["type"]](entry["value"]):
            errors[key] = f"{key}: value fails validation for '{entry['type']}'"
        else:
            ok[key] = {"type": entry["type"], "value": entry["value"]}
    return ok, errors


# ----- routing queries --------------------------------------------------------

MISSING = object()


def lookup(metadata: dict, path: Any) -> Any:
    """The value at a JSON-pointer-like path ("/a/b/0") in a client's metadata."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise QueryError(f"path: must start with `/`, got: '{path}'")
    node: Any = {k: v["value"] for k, v in metadata.items()}
    for part in path[1:].split("/"):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return MISSING
    return node


def compare(op: str, a: Any, b: Any, versions: bool) -> bool:
    if a is MISSING:
        return False
    if op == "$eq":
        return a == b and type(a) is type(b) or (is_number(a) and is_number(b) and a == b)
    if op == "$ne":
        return not compare("$eq", a, b, versions)
    if op in ("$in", "$nin"):
        if not isinstance(b, list):
            return False
        inside = any(compare("$eq", a, x, versions) for x in b)
        return inside if op == "$in" else not inside
    if op in ("$contains", "$ncontains"):
        if not isinstance(a, list):
            return False
        inside = any(compare("$eq", x, b, versions) for x in a)
        return inside if op == "$contains" else not inside
    if versions and isinstance(a, str) and isinstance(b, str):
        a, b = version_key(a), version_key(b)
        if a is None or b is None:
            return False
    elif not ((is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str))):
        return False
    return {"$gt": a > b, "$gte": a >= b, "$lt": a < b, "$lte": a <= b}[op]


def eval_v2(op: Any, metadata: dict) -> bool:
    if not isinstance(op, dict) or not isinstance(op.get("op"), str):
        raise QueryError("an op is {path, op, to} or {op, with}")
    name = op["op"]
    if name in LOGICAL_OPS:
        if not isinstance(op.get("with"), list):
            raise QueryError(f"{name}: needs a `with` list")
        results = [eval_v2(x, metadata) for x in op["with"]]
        return all(results) if name == "$and" else any(results) if name == "$or" else not any(results)
    if name not in BOOLEAN_OPS:
        raise QueryError(f"unknown op {name!r}")
    to = op.get("to")
    value = lookup(metadata, op.get("path"))
    if isinstance(to, dict) and "value" in to:
        other = to["value"]
        if name in ("$in", "$nin") and not isinstance(other, list):
            raise QueryError(f"{name}: needs a list value")
    elif isinstance(to, dict) and "path" in to and "default" in to:
        other = lookup(metadata, to["path"])
        other = to["default"] if other is MISSING else other
    else:
        raise QueryError("`to` is {value} or {path, default}")
    path = op["path"][1:].split("/")[0]
    versions = metadata.get(path, {}).get("type") == "version"
    return compare(name, value, other, versions)


def eval_v1_inner(key: str, cond: Any, metadata: dict) -> bool:
    if not isinstance(cond, dict) or len(cond) != 1:
        raise QueryError("a v1 condition is {\"$op\": value}")
    ((name, arg),) = cond.items()
    if name in LOGICAL_OPS:
        if not isinstance(arg, list):
            raise QueryError(f"{name}: needs a list")
        results = [eval_v1_inner(key, c, metadata) for c in arg]
        return all(results) if name == "$and" else any(results) if name == "$or" else not any(results)
    if name not in BOOLEAN_OPS:
        raise QueryError(f"unknown op {name!r}")
    if name in ("$in", "$nin") and not isinstance(arg, list):
        raise QueryError(f"{name}: needs a list value")
    versions = metadata.get(key, {}).get("type") == "version"
    return compare(name, lookup(metadata, "/" + key), arg, versions)


def is_v1_op(op: Any) -> bool:
    return isinstance(op, dict) and len(op) == 1 and "op" not in op and "path" not in op


def eval_op(op: Any, metadata: dict) -> bool:
    if is_v1_op(op):
        ((key, cond),) = op.items()
        return eval_v1_inner(key, cond, metadata)
    return eval_v2(op, metadata)


def check_query(q: Any) -> None:
    """Raises QueryError for what the real server cannot parse."""
    if not isinstance(q, dict):
        raise QueryError("a query is an object")
    ops = q.get("ops") or []
    if not isinstance(ops, list):
        raise QueryError("ops: must be a list")
    for op in ops:
        eval_op(op, {})  # evaluating against nothing validates the shape
    sel = q.get("selector")
    if sel is not None and (not isinstance(sel, dict) or len(sel) != 1 or next(iter(sel)) not in SELECTORS
                            or not isinstance(next(iter(sel.values())), str)):
        raise QueryError("selector: {\"$min\"|\"$max\"|\"$avg\": key}")
    for k in ("application", "key"):
        if q.get(k) is not None and not isinstance(q[k], str):
            raise QueryError(f"{k}: must be a string")


class Client:
    """An identified client, as the metadata store keeps it."""

    def __init__(self, conn: Conn, app: str, cid: str, restricted: bool, updates: bool, order: int):
        self.conn, self.app, self.id, self.restricted, self.updates, self.order = conn, app, cid, restricted, updates, order
        self.metadata: dict = {}
        self.last_heartbeat = time.monotonic()

    def all_metadata(self) -> dict:
        base = {"restricted": {"type": "boolean", "value": self.restricted},
                "encoding": {"type": "string", "value": "json"},
                "receive_client_updates": {"type": "boolean", "value": self.updates},
                "last_heartbeat_time": {"type": "integer", "value": now_ms()}}
        ns = self.conn.state.get("namespace")
        if ns is not None:
            base["namespace"] = {"type": "string", "value": ns}
        if self.conn.state.get("ip") is not None and not self.restricted:
            base["ip"] = {"type": "string", "value": self.conn.state["ip"]}
        return {**self.metadata, **base}  # base wins, as on the real server


class Queue:
    def __init__(self):
        self.messages: deque = deque()     # dicts {id, nonce, target, payload, sender}
        self.waiting: list = []            # Clients, longest-waiting first
        self.unacked: dict = {}            # id -> (message, TimerHandle)
        self.dead: list = []


class SingyeongPeer(peerlib.Peer):
    name = "singyeong"
    description = __doc__

    def __init__(self, args):
        super().__init__(args)
        self.clients: dict[tuple[str, str], Client] = {}
        self.queues: dict[str, Queue] = {}
        self.order = 0
        self.rng = random.Random(args.seed)

    @classmethod
    def add_arguments(cls, p):
        g = p.add_argument_group("singyeong options")
        g.add_argument("--heartbeat-interval", type=int, default=45000, help="ms, sent in hello (default 45000)")
        g.add_argument("--auth", default=None, help="password: identify without it is restricted (default: none needed)")
        g.add_argument("--accept-application-name", action="store_true",
                       help="take the seed's `application_name` when `application_id` is missing")
        g.add_argument("--real-shapes", action="store_true",
                       help="exactly the real server's shapes: no `sender`, no nonce in QUEUE_CONFIRM/QUERY_NODES")
        g.add_argument("--flat-client-updates", action="store_true",
                       help="CLIENT_(DIS)CONNECTED d as {app} (PROTOCOL.md) instead of the real wrapped form")
        g.add_argument("--ack-timeout", type=float, default=15.0, help="seconds before an unacked queue message is requeued")
        g.add_argument("--error-close-code", type=int, default=1000, help="close code after an op 8 (default 1000)")
        g.add_argument("--no-acks", action="store_true", help="never acknowledge heartbeats")
        g.add_argument("--seed", type=int, default=1, help="seed for picking among SEND matches (default 1)")

    # ----- frames ----------------------------------------------------------

    async def send_op(self, conn: Conn, op: int, d: Any, t: Optional[str] = None) -> None:
        await conn.send_json({"op": op, "d": d, "t": t, "ts": now_ms()})

    async def fatal(self, conn: Conn, error: str, extra: Any = None) -> None:
        self.stats["protocol_errors"] += 1
        self.emit("protocol_error", conn=conn.id, message=error, code=self.args.error_close_code)
        self.log(f"[{conn.id}] op 8: {error}")
        await self.send_op(conn, ERROR, {"error": error, "extra_info": extra})
        await conn.close(self.args.error_close_code, "")

    async def invalid(self, conn: Conn, error: str, extra: Any = None) -> None:
        self.emit("invalid_sent", conn=conn.id, message=error)
        await self.send_op(conn, INVALID, {"error": error, "extra_info": extra})

    # ----- handshake ---------------------------------------------------------

    async def process_request(self, path: str, headers):
        parts = urllib.parse.urlsplit(path)
        if parts.path.rstrip("/") != "/gateway/websocket":
            return http_error(404, None)
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        encoding = query.get("encoding", "json")
        if encoding in ("etf", "msgpack"):
            return http_error(400, b"this test peer speaks only encoding=json")
        if encoding != "json":
            return http_error(403, None)
        return None

    async def on_connect(self, conn: Conn) -> None:
        conn.state.update(phase="await_identify")
        await self.send_op(conn, HELLO, {"heartbeat_interval": self.args.heartbeat_interval})

    async def on_disconnect(self, conn: Conn, code) -> None:
        client: Optional[Client] = conn.state.get("_client")
        if client is None:
            return
        conn.state["phase"] = "gone"
        self.clients.pop((client.app, client.id), None)
        for q in self.queues.values():
            if client in q.waiting:
                q.waiting.remove(client)
        await self.client_update("CLIENT_DISCONNECTED", client.app)

    async def watchdog(self, conn: Conn, client: Client) -> None:
        while not conn.closed:
            limit = self.args.heartbeat_interval * 1.5 / 1000
            left = client.last_heartbeat + limit - time.monotonic()
            if left <= 0:
                await self.fatal(conn, "heartbeat took too long")
                return
            await asyncio.sleep(left)

    # ----- receiving -------------------------------------------------------------

    async def on_binary(self, conn: Conn, data: bytes) -> None:
        await self.fatal(conn, "decode: payload: invalid websocket opcode/encoding combo: {binary, json}")

    async def on_text(self, conn: Conn, text: str) -> None:
        try:
            msg = strict_json_loads(text)
        except ValueError as e:
            return await self.fatal(conn, f"cannot decode payload: {e}")
        try:
            await self.handle(conn, msg)
        except Fatal as f:
            await self.fatal(conn, f.error, f.extra)

    async def handle(self, conn: Conn, msg: Any) -> None:
        if not isinstance(msg, dict):
            raise Fatal("cannot decode payload", "a payload is a JSON object")
        op = msg.get("op")
        client: Optional[Client] = conn.state.get("_client")
        self.emit("frame", conn=conn.id, op=op, t=msg.get("t"))
        if client is not None and client.last_heartbeat + self.args.heartbeat_interval * 1.5 / 1000 < time.monotonic():
            raise Fatal("heartbeat took too long")
        if not is_int(op) or op not in OP_NAMES:
            if client is None:
                raise Fatal("sent payload with non-identify opcode without identifying first")
            raise Fatal(f"invalid client op {op!r}")
        if op != IDENTIFY and client is None:
            raise Fatal("sent payload with non-identify opcode without identifying first")
        if "d" not in msg or msg["d"] is None:
            raise Fatal("payload has no data")
        if "ts" in msg and msg["ts"] is not None and not is_int(msg["ts"]):
            raise Fatal("cannot decode payload", "ts: must be an integer")
        if op == IDENTIFY:
            return await self.identify(conn, msg["d"])
        if op == HEARTBEAT:
            return await self.heartbeat(conn, client, msg["d"])
        if op == DISPATCH:
            return await self.dispatch(conn, client, msg)
        raise Fatal(f"invalid client op :{OP_NAMES[op]}")

    async def identify(self, conn: Conn, d: Any) -> None:
        if not isinstance(d, dict):
            raise Fatal("payload has no data")
        app = d.get("application_id")
        if app is None and self.args.accept_application_name:
            app = d.get("application_name")
        cid = d.get("client_id")
        if not isinstance(app, str) or not isinstance(cid, str) or not app or not cid:
            raise Fatal("payload has no data", "identify needs client_id and application_id strings")
        if " " in app or " " in cid:
            raise Fatal("payload has no data", "client_id and application_id may not contain spaces")
        for k, kind in (("auth", str), ("ip", str), ("namespace", str), ("receive_client_updates", bool)):
            if d.get(k) is not None and not isinstance(d[k], kind):
                raise Fatal("payload has no data", f"{k}: wrong type")
        if conn.state.get("_client") is not None or (app, cid) in self.clients:
            raise Fatal(f"{cid}: already registered for app {app}")
        initial, errors = ({}, {}) if d.get("metadata") is None else validate_metadata(d["metadata"])
        if errors:
            raise Fatal("initial metadata: invalid", errors)
        restricted = self.args.auth is not None and d.get("auth") != self.args.auth
        updates = bool(d.get("receive_client_updates")) and not restricted
        self.order += 1
        client = Client(conn, app, cid, restricted, updates, self.order)
        client.metadata = initial
        conn.state.update(phase="ready", client_id=cid, app_id=app, restricted=restricted, _client=client,
                          namespace=d.get("namespace"), ip=d.get("ip") or "127.0.0.1")
        self.clients[(app, cid)] = client
        conn.spawn(self.watchdog(conn, client))
        self.emit("ready", conn=conn.id, client_id=cid, app_id=app, restricted=restricted)
        await self.send_op(conn, READY, {"client_id": cid, "restricted": restricted})
        await self.client_update("CLIENT_CONNECTED", app)

    async def heartbeat(self, conn: Conn, client: Client, d: Any) -> None:
        client.last_heartbeat = time.monotonic()
        if not isinstance(d, dict):
            raise Fatal("payload has no data")
        if d.get("client_id") != client.id:
            # The real server does not look; the seed says heartbeats carry it.
            await self.invalid(conn, "heartbeat: d.client_id must be the identified client id", d)
        if not (self.args.no_acks or conn.state.get("withhold_acks")):
            await self.send_op(conn, HEARTBEAT_ACK, {"client_id": client.id})

    def describe_state(self) -> dict:
        return {"clients": len(self.clients), "queues": len(self.queues)}

    # ----- dispatch --------------------------------------------------------------

    async def dispatch(self, conn: Conn, client: Client, msg: dict) -> None:
        t, d = msg.get("t"), msg["d"]
        if not isinstance(t, str):
            raise Fatal("invalid dispatch payload", "dispatch needs a string t")
        if t == "TEST_COMMAND" and self.args.test_commands:
            reply = await self.command(d if isinstance(d, dict) else {})
            self.emit("test_command", conn=conn.id, reply=reply)
            return
        if client.restricted and t != "UPDATE_METADATA":
            return await self.invalid(conn, f"invalid dispatch type {t} (are you restricted?)")
        outgoing = {"op": DISPATCH, "d": d, "t": t, "ts": msg.get("ts")}
        if t == "UPDATE_METADATA":
            ok, errors = validate_metadata(d)
            if errors:
                return await self.invalid(conn, "invalid metadata", errors)
            client.metadata.update(ok)
            self.emit("metadata", conn=conn.id, keys=sorted(ok))
            return
        if t in ("SEND", "BROADCAST"):
            if not isinstance(d, dict) or "target" not in d or "payload" not in d:
                raise Fatal("internal server error", f"{t} needs target and payload")
            nonce = d.get("nonce")
            matches = self.route(d["target"], broadcast=(t == "BROADCAST"))
            if not matches:
                if d["target"].get("droppable") in (True, "true"):
                    self.emit("dropped_message", conn=conn.id, t=t)
                    return
                return await self.invalid(conn, "no_route", outgoing)
            for m in matches:
                await self.deliver(m, t, nonce, d["payload"], client)
            return
        if t == "QUERY_NODES":
            query, nonce = (d["target"], d.get("nonce")) if isinstance(d, dict) and "target" in d else (d, None)
            nodes = [{"app_id": c.app, "client_id": c.id, "restricted": c.restricted,
                      "metadata": {k: v["value"] for k, v in c.all_metadata().items()}}
                     for c in self.matching(query)]
            reply: dict = {"nodes": nodes}
            if not self.args.real_shapes:
                reply["nonce"] = nonce
            await self.send_op(conn, DISPATCH, reply, "QUERY_NODES")
            return
        if t == "QUEUE":
            if not isinstance(d, dict) or not all(k in d for k in ("queue", "target", "nonce", "payload")) \
                    or not isinstance(d["queue"], str):
                return await self.invalid(conn, "invalid dispatch payload", outgoing)
            self.query_or_fatal(d["target"])
            q = self.queues.setdefault(d["queue"], Queue())
            q.messages.append({"id": str(uuid.uuid4()), "nonce": d["nonce"], "target": d["target"],
                               "payload": d["payload"], "sender": client.id})
            confirm: dict = {"queue": d["queue"]}
            if not self.args.real_shapes:
                confirm["nonce"] = d["nonce"]
            await self.send_op(conn, DISPATCH, confirm, "QUEUE_CONFIRM")
            await self.pump(d["queue"])
            return
        if t in ("QUEUE_REQUEST", "QUEUE_REQUEST_CANCEL"):
            if not isinstance(d, dict) or not isinstance(d.get("queue"), str):
                return await self.invalid(conn, "invalid dispatch payload", outgoing)
            q = self.queues.setdefault(d["queue"], Queue())
            if t == "QUEUE_REQUEST":
                if client not in q.waiting:
                    q.waiting.append(client)
                await self.pump(d["queue"])
            elif client in q.waiting:
                q.waiting.remove(client)
            return
        if t == "QUEUE_ACK":
            if not isinstance(d, dict) or not isinstance(d.get("queue"), str) or not isinstance(d.get("id"), str):
                return await self.invalid(conn, "invalid dispatch payload", outgoing)
            q = self.queues.setdefault(d["queue"], Queue())
            entry = q.unacked.pop(d["id"], None)
            if entry:
                entry[1].cancel()
            self.emit("queue_ack", conn=conn.id, queue=d["queue"], id=d["id"], known=entry is not None)
            return
        await self.invalid(conn, "invalid dispatch payload", outgoing)

    def query_or_fatal(self, target: Any) -> None:
        try:
            check_query(target)
        except QueryError as e:
            raise Fatal("internal server error", f"query: {e}")

    def matching(self, query: Any, ignore_ops: bool = False) -> list[Client]:
        """Clients a query matches, in identify order, before key/selector."""
        self.query_or_fatal(query)
        out = []
        for c in sorted(self.clients.values(), key=lambda c: c.order):
            if query.get("application") is not None and c.app != query["application"]:
                continue
            if c.restricted and query.get("restricted") not in (True, "true"):
                continue
            md = c.all_metadata()
            if ignore_ops or all(eval_op(op, md) for op in (query.get("ops") or [])):
                out.append(c)
        return out

    def route(self, query: Any, broadcast: bool) -> list[Client]:
        matches = self.matching(query)
        optional = query.get("optional") in (True, "true")
        if not matches and optional:
            matches = self.matching(query, ignore_ops=True)
            return matches if broadcast else ([self.rng.choice(matches)] if matches else [])
        if not matches:
            return []
        sel = query.get("selector")
        if sel:
            ((kind, key),) = sel.items()
            scored = [(c, c.all_metadata().get(key, {}).get("value")) for c in matches]
            scored = [(c, v) for c, v in scored if is_number(v)]
            if not scored:
                return []
            if kind == "$min":
                return [min(scored, key=lambda cv: cv[1])[0]]
            if kind == "$max":
                return [max(scored, key=lambda cv: cv[1])[0]]
            avg = sum(v for _, v in scored) / len(scored)
            return [min(scored, key=lambda cv: abs(cv[1] - avg))[0]]
        if broadcast:
            return matches
        if isinstance(query.get("key"), str):
            return [matches[zlib.crc32(query["key"].encode()) % len(matches)]]
        return [self.rng.choice(matches)]

    async def deliver(self, to: Client, t: str, nonce: Any, payload: Any, sender: Optional[Client]) -> None:
        d: dict = {"target": None, "nonce": nonce, "payload": payload}
        if sender is not None and not self.args.real_shapes:
            d["sender"] = sender.id
        self.emit("delivered", conn=to.conn.id, client_id=to.id, t=t, nonce=nonce)
        await self.send_op(to.conn, DISPATCH, d, t)

    async def client_update(self, t: str, app: str) -> None:
        for c in sorted(self.clients.values(), key=lambda c: c.order):
            if c.updates and not c.restricted and not c.conn.closed:
                d = {"app": app} if self.args.flat_client_updates else {"target": None, "nonce": None, "payload": {"app": app}}
                await self.send_op(c.conn, DISPATCH, d, t)

    async def pump(self, name: str) -> None:
        """Hands queued messages to waiting clients that match them."""
        q = self.queues[name]
        while q.messages and q.waiting:
            message = q.messages[0]
            matches = self.matching(message["target"])
            if not matches:
                q.dead.append(q.messages.popleft())  # nothing could ever take it: dead letter
                self.emit("dead_letter", queue=name, id=message["id"])
                continue
            taker = next((c for c in q.waiting if c in matches), None)
            if taker is None:
                return  # matching clients exist but none is waiting: keep it
            q.messages.popleft()
            q.waiting.remove(taker)
            loop = asyncio.get_running_loop()
            timer = loop.call_later(self.args.ack_timeout, lambda mid=message["id"]: loop.create_task(self.requeue(name, mid)))
            q.unacked[message["id"]] = (message, timer)
            d: dict = {"target": None, "nonce": message["nonce"],
                       "payload": {"queue": name, "id": message["id"], "payload": message["payload"]}}
            if not self.args.real_shapes:
                d["sender"] = message["sender"]
            self.emit("delivered", conn=taker.conn.id, client_id=taker.id, t="QUEUE", nonce=message["nonce"])
            await self.send_op(taker.conn, DISPATCH, d, "QUEUE")

    async def requeue(self, name: str, mid: str) -> None:
        q = self.queues[name]
        entry = q.unacked.pop(mid, None)
        if entry:
            q.messages.appendleft(entry[0])
            self.emit("requeued", queue=name, id=mid)
            await self.pump(name)

    # ----- control ----------------------------------------------------------------

    async def on_command(self, cmd: dict) -> Optional[dict]:
        name = cmd["cmd"]
        if name == "goodbye":
            delay = float(cmd.get("delay_ms", 200)) / 1000
            hit = self.targets(cmd)
            for c in hit:
                await self.send_op(c, GOODBYE, {"reason": str(cmd.get("reason", "reconnect"))})

            async def later(conns=hit) -> None:
                await asyncio.sleep(delay)
                for c in conns:
                    await c.close(1000, "goodbye")
            asyncio.get_running_loop().create_task(later())
            return {"ok": True, "count": len(hit)}
        if name == "invalid":
            hit = self.targets(cmd)
            for c in hit:
                await self.invalid(c, str(cmd["error"]), cmd.get("extra_info"))
            return {"ok": True, "count": len(hit)}
        if name == "error":
            hit = self.targets(cmd)
            for c in hit:
                await self.fatal(c, str(cmd["error"]), cmd.get("extra_info"))
            return {"ok": True, "count": len(hit)}
        if name == "dispatch":
            hit = [c for c in self.targets(cmd) if c.state.get("phase") == "ready"]
            for c in hit:
                await self.send_op(c, DISPATCH, cmd.get("d", {}), str(cmd["t"]))
            return {"ok": True, "count": len(hit)}
        if name == "withhold_acks":
            hit = self.targets(cmd)
            for c in hit:
                c.state["withhold_acks"] = bool(cmd.get("value", True))
            return {"ok": True, "count": len(hit)}
        if name == "clients":
            return {"ok": True, "clients": [
                {"conn": c.conn.id, "app_id": c.app, "client_id": c.id, "restricted": c.restricted,
                 "receive_client_updates": c.updates, "metadata": c.metadata}
                for c in sorted(self.clients.values(), key=lambda c: c.order)]}
        if name == "queues":
            return {"ok": True, "queues": {
                n: {"messages": [m["id"] for m in q.messages], "waiting": [c.id for c in q.waiting],
                    "unacked": sorted(q.unacked), "dead": [m["id"] for m in q.dead]}
                for n, q in self.queues.items()}}
        return None


if __name__ == "__main__":
    sys.exit(peerlib.main(SingyeongPeer))
