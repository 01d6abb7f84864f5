#!/usr/bin/python3
"""Smoke tests of the scripted peers with a plain websockets client.

Run: /usr/bin/python3 tests/peers/test_peers.py [-v] [TestClass.test_name]
Each test starts its peer as a subprocess on a free port, the way sluice's C++
interop tests do, and talks to it over real sockets.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import unittest
from typing import Any, Callable, Optional

import websockets
import websockets.exceptions

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
TIMEOUT = 5.0


class PeerProcess:
    """A peer subprocess: its port, its control commands and its events."""

    def __init__(self, script: str, *args: str):
        self.script, self.args = script, args
        self.events: list[dict] = []
        self.replies: dict[int, asyncio.Future] = {}
        self.next_id = 1
        self.changed = asyncio.Event()

    async def __aenter__(self) -> "PeerProcess":
        self.proc = await asyncio.create_subprocess_exec(
            PYTHON, os.path.join(HERE, self.script), "--port", "0", "--events", "--exit-on-eof", *self.args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        first = (await asyncio.wait_for(self.proc.stdout.readline(), TIMEOUT)).decode().split()
        assert first[0] == "listening", first
        self.host, self.port = first[1], int(first[2])
        self.reader = asyncio.get_running_loop().create_task(self.read())
        return self

    async def __aexit__(self, *exc) -> None:
        self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), TIMEOUT)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        self.reader.cancel()

    async def read(self) -> None:
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                return
            msg = json.loads(line)
            if "reply" in msg and msg["reply"] in self.replies:
                self.replies.pop(msg["reply"]).set_result(msg)
            elif "event" in msg:
                self.events.append(msg)
                self.changed.set()

    def url(self, path: str) -> str:
        return f"ws://{self.host}:{self.port}{path}"

    async def command(self, cmd: str, **fields: Any) -> dict:
        cid = self.next_id
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.replies[cid] = fut
        self.proc.stdin.write((json.dumps({"id": cid, "cmd": cmd, **fields}) + "\n").encode())
        await self.proc.stdin.drain()
        reply = await asyncio.wait_for(fut, TIMEOUT)
        assert reply["ok"], reply
        return reply

    def count(self, name: str) -> int:
        return sum(1 for e in self.events if e["event"] == name)

    async def event(self, name: str, pred: Callable[[dict], bool] = lambda e: True) -> dict:
        async def wait() -> dict:
            seen = 0
            while True:
                for e in self.events[seen:]:
                    if e["event"] == name and pred(e):
                        return e
                seen = len(self.events)
                self.changed.clear()
                await self.changed.wait()
        return await asyncio.wait_for(wait(), TIMEOUT)


async def recv_json(ws, timeout: float = TIMEOUT) -> Any:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_until(ws, pred: Callable[[Any], bool], timeout: float = TIMEOUT) -> Any:
    """Skips frames until one satisfies pred."""
    async def loop() -> Any:
        while True:
            msg = json.loads(await ws.recv())
            if pred(msg):
                return msg
    return await asyncio.wait_for(loop(), timeout)


async def closed_with(ws, timeout: float = TIMEOUT) -> Optional[int]:
    """Reads until the connection closes; returns the close code received."""
    try:
        async def drain() -> None:
            async for _ in ws:
                pass
        await asyncio.wait_for(drain(), timeout)
    except websockets.exceptions.ConnectionClosed:
        pass
    return ws.close_code


async def status_of(url: str, headers: Optional[dict] = None) -> int:
    """The HTTP status of a refused upgrade (101 if it was accepted)."""
    try:
        ws = await websockets.connect(url, extra_headers=headers or {}, open_timeout=TIMEOUT)
    except websockets.exceptions.InvalidStatusCode as e:
        return e.status_code
    await ws.close()
    return 101


def run(coro) -> Any:
    return asyncio.run(coro)


# ----- Nightingale ----------------------------------------------------------------

AUTH = {"Authorization": "pw"}


class NightingaleTest(unittest.TestCase):
    def peer(self, *args: str) -> PeerProcess:
        return PeerProcess("nightingale_peer.py", "--password", "pw", *args)

    def test_connect_auth_and_query(self):
        async def body():
            async with self.peer() as p:
                self.assertEqual(await status_of(p.url("/ws?shards=1&user_id=42")), 401)
                self.assertEqual(await status_of(p.url("/ws?shards=1&user_id=42"), {"Authorization": "no"}), 401)
                self.assertEqual(await status_of(p.url("/ws?shards=1"), AUTH), 400)
                self.assertEqual(await status_of(p.url("/ws?shards=x&user_id=42"), AUTH), 400)
                async with websockets.connect(p.url("/ws?shards=1&user_id=42"), extra_headers=AUTH) as ws:
                    ready = await recv_json(ws)
                    self.assertEqual(ready["op"], "ready")
                    self.assertFalse(ready["data"]["resumed"])
                    self.assertEqual(len(ready["data"]["session"]), 36)
                    self.assertNotIn("players", ready["data"])
        run(body())

    def test_voice_flow_forward_state_and_events(self):
        async def body():
            async with self.peer() as p, websockets.connect(p.url("/ws?shards=2&user_id=42"), extra_headers=AUTH) as ws:
                await recv_json(ws)
                await p.command("join", guild_id=7, channel_id=8, shard=1)
                fwd = await recv_json(ws)
                self.assertEqual(fwd["op"], "forward")
                self.assertEqual(fwd["data"]["shard"], 1)
                self.assertEqual(fwd["data"]["payload"]["op"], 4)
                self.assertEqual(fwd["data"]["payload"]["d"]["channel_id"], "8")
                # What the Discord gateway answers, passed on by the client.
                await ws.send(json.dumps({"op": "update_voice_state", "data": {
                    "guild_id": "7", "user_id": "42", "session_id": "vs", "channel_id": "8"}}))
                await ws.send(json.dumps({"op": "update_voice_server", "data": {
                    "guild_id": 7, "token": "tok", "endpoint": "voice.example"}}))
                state = await recv_json(ws)
                self.assertEqual(state, {"op": "update_state", "data": {"type": "connect_gateway", "data": {
                    "channel_id": 8, "guild_id": 7, "session_id": "vs", "server": "voice.example", "ssrc": 4242}}})
                await p.command("track", type="start", guild_id=7, track={"title": "T", "duration": 1500})
                ev = await recv_json(ws)
                self.assertEqual(ev["data"]["guild_id"], 7)
                self.assertEqual(ev["data"]["event"]["type"], "track_start")
                self.assertEqual(ev["data"]["event"]["data"]["duration"], 1500)
                await p.command("track", type="end", guild_id=7, stopped=True)
                ev = await recv_json(ws)
                self.assertEqual(ev["data"]["event"]["type"], "track_end")
                self.assertTrue(ev["data"]["event"]["data"]["stopped"])
                await p.command("track", type="errored", guild_id=7, error="boom")
                ev = await recv_json(ws)
                self.assertEqual(ev["data"]["event"]["data"]["error"], "boom")
                await p.command("leave", guild_id=7)
                fwd = await recv_json(ws)
                self.assertIsNone(fwd["data"]["payload"]["d"]["channel_id"])
                state = await recv_json(ws)
                self.assertEqual(state["data"]["type"], "disconnect_gateway")
                self.assertNotIn("server", state["data"]["data"])
        run(body())

    def test_seed_format(self):
        async def body():
            async with self.peer("--format", "seed", "--session-kind", "integer") as p, \
                    websockets.connect(p.url("/ws?shards=1&user_id=42"), extra_headers=AUTH) as ws:
                ready = await recv_json(ws)
                self.assertIsInstance(ready["data"]["session"], int)
                await p.command("join", guild_id=7, channel_id=8)
                fwd = await recv_json(ws)
                self.assertEqual(fwd["data"]["op"], 4)  # the bare Discord payload
                await p.command("update_state", type="reconnect_gateway", guild_id=7, channel_id=8)
                state = await recv_json(ws)
                self.assertEqual(set(state["data"]["data"]), {"channel", "guild", "session", "server", "ssrc"})
                await p.command("track", type="start", guild_id=7, track={"duration": 2500})
                ev = await recv_json(ws)
                self.assertEqual(ev["data"]["type"], "track_start")
                self.assertEqual(ev["data"]["data"]["duration"], {"secs": 2, "nanos": 500_000_000})
        run(body())

    def test_resume_forms_and_refusals(self):
        async def body():
            async with self.peer("--session-timeout", "0.5") as p:
                ws = await websockets.connect(p.url("/ws?shards=1&user_id=42"), extra_headers=AUTH)
                sid = (await recv_json(ws))["data"]["session"]
                self.assertEqual(await status_of(p.url(f"/ws/resume/{sid}"), AUTH), 409)  # still attached
                await p.command("drop")
                self.assertEqual(await closed_with(ws), 1006)
                await p.event("disconnected")
                for url, headers in ((f"/ws/resume/{sid}", AUTH), (f"/ws/resume?session={sid}", AUTH),
                                     ("/ws/resume", {**AUTH, "session": sid})):
                    gone = p.count("disconnected")
                    async with websockets.connect(p.url(url), extra_headers=headers) as ws:
                        ready = await recv_json(ws)
                        self.assertEqual(ready["data"], {"session": sid, "resumed": True, "players": []})
                    await p.event("disconnected", lambda e, n=gone: p.count("disconnected") > n)
                self.assertEqual(await status_of(p.url("/ws/resume/nope"), AUTH), 400)
                self.assertEqual(await status_of(p.url("/ws/resume"), AUTH), 400)
                await p.command("refuse_resume", status=409)
                self.assertEqual(await status_of(p.url(f"/ws/resume/{sid}"), AUTH), 409)
                await asyncio.sleep(0.6)  # the session outlives its connection by 0.5 s only
                self.assertEqual(await status_of(p.url(f"/ws/resume/{sid}"), AUTH), 400)
        run(body())

    def test_strictness(self):
        async def body():
            async with self.peer() as p:
                for frame, code in (("{nope", 1007), ('{"op":"hello","data":{}}', 1008),
                                    ('{"op":"update_voice_server","data":{"guild_id":"x","token":"t"}}', 1008),
                                    ('{"op":1,"data":{}}', 1008)):
                    async with websockets.connect(p.url("/ws?user_id=42"), extra_headers=AUTH) as ws:
                        await recv_json(ws)
                        await ws.send(frame)
                        self.assertEqual(await closed_with(ws), code, frame)
                async with websockets.connect(p.url("/ws?user_id=42"), extra_headers=AUTH) as ws:
                    await recv_json(ws)
                    await ws.send(b"\x00")
                    self.assertEqual(await closed_with(ws), 1003)
        run(body())

    def test_in_band_commands(self):
        async def body():
            async with self.peer("--test-commands") as p, \
                    websockets.connect(p.url("/ws?user_id=42"), extra_headers=AUTH) as ws:
                await recv_json(ws)
                await ws.send(json.dumps({"op": "test", "data": {"cmd": "track", "type": "start", "guild_id": 1}}))
                self.assertEqual((await recv_json(ws))["op"], "event")
                await ws.send(json.dumps({"op": "test", "data": {"cmd": "close", "code": 4321}}))
                self.assertEqual(await closed_with(ws), 4321)
        run(body())


# ----- i386chat --------------------------------------------------------------------

class I386ChatTest(unittest.TestCase):
    def peer(self, *args: str) -> PeerProcess:
        return PeerProcess("i386chat_peer.py", *args)

    async def ready(self, p: PeerProcess, token: str = "tok"):
        ws = await websockets.connect(p.url("/"))
        hello = await recv_json(ws)
        self.assertEqual(hello["f"], 100)
        await ws.send(json.dumps({"f": 110, "cnf": {"token": token}}))
        ready = await recv_json(ws)
        self.assertEqual(ready["f"], 140, ready)
        return ws, ready["cnf"]

    def test_hello_present_ready_heartbeat(self):
        async def body():
            async with self.peer("--hb-int", "5000") as p:
                ws = await websockets.connect(p.url("/gateway"))
                self.assertEqual(await recv_json(ws), {"f": 100, "cnf": {"hb_int": 5000}})
                await ws.send(json.dumps({"f": 110, "cnf": {"token": "x"}}))
                ready = await recv_json(ws)
                self.assertEqual(ready["f"], 140)
                self.assertEqual(ready["cnf"]["v"], 6)
                self.assertIsInstance(ready["cnf"]["session_id"], int)
                self.assertIsInstance(ready["cnf"]["enc_key"], str)
                await ws.send('{"f":120}')
                self.assertEqual(await recv_json(ws), {"f": 120})
                await ws.close()
        run(body())

    def test_fatal_errors(self):
        async def body():
            async with self.peer("--token", "good") as p:
                cases = [(None, '{"f":120}', 4005), (None, '{"f":130,"cnf":{},"t":"MESSAGE_CREATE"}', 4005),
                         (None, '{"f":110,"cnf":{"token":"bad"}}', 4005), ("good", "not json", 4004),
                         ("good", '{"f":140,"cnf":{}}', 4004), ("good", '{"f":999}', 4004),
                         ("good", '{"f":"120"}', 4004),
                         ("good", json.dumps({"f": 130, "cnf": {"content": "x" * 5000}, "t": "MESSAGE_CREATE"}), 4000)]
                for token, frame, code in cases:
                    ws = await websockets.connect(p.url("/"))
                    await recv_json(ws)
                    if token:
                        await ws.send(json.dumps({"f": 110, "cnf": {"token": token}}))
                        self.assertEqual((await recv_json(ws))["f"], 140)
                    await ws.send(frame)
                    self.assertEqual(await recv_json(ws), {"f": 150, "cnf": {"c": code, "d": True}}, frame)
                    self.assertEqual(await closed_with(ws), code, frame)
        run(body())

    def test_heartbeat_timeout_and_withheld_echo(self):
        async def body():
            async with self.peer("--hb-int", "200") as p:
                ws, _ = await self.ready(p)
                await p.command("withhold_echo")
                await ws.send('{"f":120}')
                # No echo; then, without further beats, 4001 after 300 ms.
                self.assertEqual(await recv_json(ws), {"f": 150, "cnf": {"c": 4001, "d": True}})
                self.assertEqual(await closed_with(ws), 4001)
        run(body())

    def test_chat_between_clients(self):
        async def body():
            async with self.peer() as p:
                a, ca = await self.ready(p)
                b, cb = await self.ready(p)
                added = await recv_json(a)
                self.assertEqual((added["t"], added["cnf"]["session_id"]), ("ROOM_USER_ADD", cb["session_id"]))
                await a.send(json.dumps({"f": 130, "cnf": {"content": "hi", "nonce": "n1"}, "s": 1, "e": "MESSAGE_CREATE"}))
                for ws in (a, b):
                    m = await recv_json(ws)
                    self.assertEqual(m["t"], "MESSAGE_CREATE")
                    self.assertEqual(m["cnf"]["content"], "hi")
                    self.assertEqual(m["cnf"]["author"], ca["session_id"])
                await b.send(json.dumps({"f": 130, "cnf": {}, "s": 1, "t": "START_TYPING"}))
                self.assertEqual((await recv_json(a))["t"], "START_TYPING")
                # Unknown event, non-increasing sequence: non-fatal errors.
                await a.send(json.dumps({"f": 130, "cnf": {}, "s": 2, "t": "NOPE"}))
                self.assertEqual(await recv_json(a), {"f": 150, "cnf": {"c": 4004, "d": False}})
                await a.send(json.dumps({"f": 130, "cnf": {"name": "x"}, "s": 2, "t": "CHANNEL_ADD"}))
                self.assertEqual(await recv_json(a), {"f": 150, "cnf": {"c": 4004, "d": False}})
                await a.send(json.dumps({"f": 130, "cnf": {"name": "x"}, "s": 3, "t": "CHANNEL_ADD"}))
                for ws in (a, b):
                    self.assertEqual((await recv_json(ws))["t"], "CHANNEL_ADD")
                await b.send(json.dumps({"f": 130, "cnf": {"channel": "x"}, "s": 2, "t": "CHANNEL_MOVE"}))
                removed = await recv_json(a)
                self.assertEqual((removed["t"], removed["cnf"]["channel"]), ("ROOM_USER_REMOVE", "general"))
                moved = await recv_json(b)
                self.assertEqual((moved["t"], moved["cnf"]["channel"]), ("ROOM_USER_ADD", "x"))
                seqs = [removed["s"]]
                await p.command("dispatch", t="GATEWAY_DOWN", cnf={}, conn=1)
                seqs.append((await recv_json(a))["s"])
                self.assertEqual(seqs[1], seqs[0] + 1)
                await p.command("gateway_down", delay_ms=50)
                self.assertEqual((await recv_json(b))["t"], "GATEWAY_DOWN")
                self.assertEqual(await closed_with(a), 4003)
                self.assertEqual(await closed_with(b), 4003)
        run(body())

    def test_rate_limit_and_in_band_commands(self):
        async def body():
            async with self.peer("--rate", "3", "--test-commands") as p:
                ws, _ = await self.ready(p)
                await ws.send(json.dumps({"f": 130, "cnf": {"cmd": "error", "c": 4321}, "t": "TEST_COMMAND"}))
                self.assertEqual(await recv_json(ws), {"f": 150, "cnf": {"c": 4321, "d": False}})
                for i in range(3):
                    await ws.send(json.dumps({"f": 130, "cnf": {}, "t": "START_TYPING"}))
                self.assertEqual(await recv_json(ws), {"f": 150, "cnf": {"c": 4002, "d": True}})
                self.assertEqual(await closed_with(ws), 4002)
        run(body())


# ----- singyeong ----------------------------------------------------------------------

SY_PATH = "/gateway/websocket?encoding=json"


class SingyeongTest(unittest.TestCase):
    def peer(self, *args: str) -> PeerProcess:
        return PeerProcess("singyeong_peer.py", *args)

    async def client(self, p: PeerProcess, cid: str, app: str = "app", **extra: Any):
        ws = await websockets.connect(p.url(SY_PATH))
        hello = await recv_json(ws)
        self.assertEqual(hello["op"], 0)
        await ws.send(json.dumps({"op": 1, "d": {"client_id": cid, "application_id": app, **extra}, "t": None, "ts": 1}))
        ready = await recv_until(ws, lambda m: m["op"] in (2, 8))
        self.assertEqual(ready["op"], 2, ready)
        return ws, ready["d"]

    @staticmethod
    def dispatch(t: str, d: Any) -> str:
        return json.dumps({"op": 4, "t": t, "d": d, "ts": 1})

    def test_hello_identify_heartbeat(self):
        async def body():
            async with self.peer("--heartbeat-interval", "300") as p:
                self.assertEqual(await status_of(p.url("/gateway/websocket?encoding=etf")), 400)
                self.assertEqual(await status_of(p.url("/gateway/websocket?encoding=xml")), 403)
                ws = await websockets.connect(p.url("/gateway/websocket"))
                hello = await recv_json(ws)
                self.assertEqual((hello["op"], hello["d"], hello["t"]), (0, {"heartbeat_interval": 300}, None))
                self.assertIsInstance(hello["ts"], int)
                await ws.send(json.dumps({"op": 1, "d": {"client_id": "c1", "application_id": "app"}}))
                ready = await recv_json(ws)
                self.assertEqual((ready["op"], ready["d"]), (2, {"client_id": "c1", "restricted": False}))
                await ws.send(json.dumps({"op": 5, "d": {"client_id": "c1"}}))
                self.assertEqual((await recv_json(ws))["op"], 6)
                # Then nothing: 1.5 intervals later the server gives up.
                err = await recv_json(ws, timeout=2)
                self.assertEqual((err["op"], err["d"]["error"]), (8, "heartbeat took too long"))
                self.assertEqual(await closed_with(ws), 1000)
        run(body())

    def test_fatal_errors(self):
        async def body():
            async with self.peer() as p:
                dup, _ = await self.client(p, "dup")
                for first, frames, error in (
                        (None, ['{"op":5,"d":{}}'], "sent payload with non-identify opcode without identifying first"),
                        (None, ["{bad"], "cannot decode payload"),
                        (None, ['{"op":1}'], "payload has no data"),
                        (None, ['{"op":1,"d":{"client_id":"dup","application_id":"app"}}'], "dup: already registered for app app"),
                        (None, ['{"op":1,"d":{"client_id":"a b","application_id":"app"}}'], "payload has no data"),
                        ("x1", ['{"op":2,"d":{}}'], "invalid client op :ready"),
                        ("x2", ['{"op":4,"t":"SEND","d":{"target":{"ops":[{"path":"k","op":"$eq","to":{"value":1}}]},"payload":1}}'],
                         "internal server error")):
                    ws = await websockets.connect(p.url(SY_PATH))
                    await recv_json(ws)
                    if first:
                        await ws.send(json.dumps({"op": 1, "d": {"client_id": first, "application_id": "app"}}))
                        await recv_json(ws)
                    for f in frames:
                        await ws.send(f)
                    err = await recv_json(ws)
                    self.assertEqual(err["op"], 8, frames)
                    self.assertTrue(err["d"]["error"].startswith(error), err)
                    self.assertEqual(await closed_with(ws), 1000)
                await dup.close()
        run(body())

    def test_metadata_send_broadcast_and_queries(self):
        async def body():
            async with self.peer() as p:
                a, _ = await self.client(p, "a")
                b, _ = await self.client(p, "b", metadata={"load": {"type": "integer", "value": 5}})
                c, _ = await self.client(p, "c", app="other")
                await a.send(self.dispatch("UPDATE_METADATA", {
                    "load": {"type": "integer", "value": 9}, "v": {"type": "version", "value": "1.2.3"},
                    "tags": {"type": "list", "value": ["x", "y"]}, "ratio": {"type": "float", "value": 0.5}}))
                await a.send(self.dispatch("UPDATE_METADATA", {"ratio": {"type": "float", "value": 1}}))
                bad = await recv_json(a)
                self.assertEqual((bad["op"], bad["d"]["error"]), (3, "invalid metadata"))
                await p.event("metadata", lambda e: "load" in e["keys"])
                # v2: load > 6 -> only a.
                q = {"application": "app", "ops": [{"path": "/load", "op": "$gt", "to": {"value": 6}}]}
                await b.send(self.dispatch("SEND", {"target": q, "nonce": "n1", "payload": {"hi": 1}}))
                got = await recv_json(a)
                self.assertEqual((got["t"], got["d"]["nonce"], got["d"]["payload"], got["d"]["sender"]),
                                 ("SEND", "n1", {"hi": 1}, "b"))
                # v2 logical + version + contains.
                q = {"application": "app", "ops": [{"op": "$or", "with": [
                    {"path": "/v", "op": "$gte", "to": {"value": "1.10.0"}},
                    {"path": "/tags", "op": "$contains", "to": {"value": "y"}}]}]}
                await b.send(self.dispatch("SEND", {"target": q, "nonce": None, "payload": 2}))
                self.assertEqual((await recv_json(a))["d"]["payload"], 2)
                # v1 form: {key: {$op: value}}.
                q = {"application": "app", "ops": [{"load": {"$and": [{"$gte": 1}, {"$lt": 6}]}}]}
                await a.send(self.dispatch("SEND", {"target": q, "nonce": None, "payload": 3}))
                self.assertEqual((await recv_json(b))["d"]["payload"], 3)
                # Broadcast to every app's clients, selector picks one.
                await c.send(self.dispatch("BROADCAST", {"target": {"application": "app"}, "payload": 4}))
                self.assertEqual((await recv_json(a))["d"]["payload"], 4)
                self.assertEqual((await recv_json(b))["d"]["payload"], 4)
                await c.send(self.dispatch("BROADCAST", {"target": {"application": "app", "selector": {"$min": "load"}},
                                                         "payload": 5}))
                self.assertEqual((await recv_json(b))["d"]["payload"], 5)
                # No route; droppable.
                q = {"application": "app", "ops": [{"path": "/load", "op": "$eq", "to": {"value": 100}}]}
                await c.send(self.dispatch("SEND", {"target": q, "nonce": "n9", "payload": 6}))
                err = await recv_json(c)
                self.assertEqual((err["op"], err["d"]["error"], err["d"]["extra_info"]["d"]["nonce"]), (3, "no_route", "n9"))
                await c.send(self.dispatch("SEND", {"target": {**q, "droppable": True}, "payload": 7}))
                await p.event("dropped_message")
                # QUERY_NODES, both request forms.
                await c.send(self.dispatch("QUERY_NODES", {"application": "app", "ops": [
                    {"path": "/load", "op": "$in", "to": {"value": [5, 9]}}]}))
                nodes = await recv_json(c)
                self.assertEqual(sorted(n["client_id"] for n in nodes["d"]["nodes"]), ["a", "b"])
                await c.send(self.dispatch("QUERY_NODES", {"target": {"application": "other"}, "nonce": "q1"}))
                nodes = await recv_json(c)
                self.assertEqual((nodes["d"]["nonce"], [n["client_id"] for n in nodes["d"]["nodes"]]), ("q1", ["c"]))
                await c.send(self.dispatch("NOPE", {}))
                self.assertEqual((await recv_json(c))["d"]["error"], "invalid dispatch payload")
                for ws in (a, b, c):
                    await ws.close()
        run(body())

    def test_queues(self):
        async def body():
            async with self.peer("--ack-timeout", "0.3") as p:
                a, _ = await self.client(p, "a")
                b, _ = await self.client(p, "b")
                await b.send(self.dispatch("QUEUE_REQUEST", {"queue": "jobs"}))
                target = {"application": "app", "ops": [{"path": "/restricted", "op": "$eq", "to": {"value": False}}]}
                await a.send(self.dispatch("QUEUE", {"queue": "jobs", "target": target, "nonce": "j1", "payload": {"n": 1}}))
                self.assertEqual((await recv_json(a))["d"], {"queue": "jobs", "nonce": "j1"})
                got = await recv_json(b)
                self.assertEqual((got["t"], got["d"]["nonce"], got["d"]["payload"]["queue"], got["d"]["payload"]["payload"]),
                                 ("QUEUE", "j1", "jobs", {"n": 1}))
                # Not acked: after the timeout it is queued again; a new request takes it.
                await p.event("requeued")
                await b.send(self.dispatch("QUEUE_REQUEST", {"queue": "jobs"}))
                again = await recv_json(b)
                self.assertEqual(again["d"]["payload"]["id"], got["d"]["payload"]["id"])
                await b.send(self.dispatch("QUEUE_ACK", {"queue": "jobs", "id": again["d"]["payload"]["id"]}))
                self.assertTrue((await p.event("queue_ack"))["known"])
                await b.send(self.dispatch("QUEUE_REQUEST_CANCEL", {"queue": "jobs"}))
                queues = (await p.command("queues"))["queues"]
                self.assertEqual(queues["jobs"], {"messages": [], "waiting": [], "unacked": [], "dead": []})
                await a.send(self.dispatch("QUEUE", {"queue": "jobs", "target": target, "payload": 1}))
                self.assertEqual((await recv_json(a))["d"]["error"], "invalid dispatch payload")  # nonce key missing
                for ws in (a, b):
                    await ws.close()
        run(body())

    def test_restricted_client_updates_goodbye(self):
        async def body():
            async with self.peer("--auth", "secret", "--test-commands") as p:
                w, ready = await self.client(p, "watcher", auth="secret", receive_client_updates=True)
                self.assertFalse(ready["restricted"])
                self.assertEqual((await recv_json(w))["t"], "CLIENT_CONNECTED")  # itself
                r, ready = await self.client(p, "r")
                self.assertTrue(ready["restricted"])
                up = await recv_json(w)
                self.assertEqual((up["t"], up["d"]["payload"]), ("CLIENT_CONNECTED", {"app": "app"}))
                await r.send(self.dispatch("SEND", {"target": {}, "payload": 1}))
                self.assertEqual((await recv_json(r))["d"]["error"], "invalid dispatch type SEND (are you restricted?)")
                await r.send(self.dispatch("UPDATE_METADATA", {"k": {"type": "string", "value": "v"}}))
                await p.event("metadata")
                await r.close()
                self.assertEqual((await recv_json(w))["t"], "CLIENT_DISCONNECTED")
                await w.send(self.dispatch("TEST_COMMAND", {"cmd": "goodbye", "reason": "rebalance", "delay_ms": 50}))
                bye = await recv_json(w)
                self.assertEqual((bye["op"], bye["d"]), (7, {"reason": "rebalance"}))
                self.assertEqual(await closed_with(w), 1000)
        run(body())


# ----- Discord: transport compression -----------------------------------------------------

class DiscordCompressionTest(unittest.TestCase):
    IDENTIFY = json.dumps({"op": 2, "d": {"token": "t", "intents": 1,
                                          "properties": {"os": "x", "browser": "y", "device": "z"}}})

    @staticmethod
    async def inflate_next(ws, z) -> Any:
        """One payload of the zlib stream: binary messages up to the 00 00 ff ff suffix."""
        buf = b""
        while not buf.endswith(b"\x00\x00\xff\xff"):
            msg = await asyncio.wait_for(ws.recv(), TIMEOUT)
            assert isinstance(msg, bytes), msg
            buf += msg
        return json.loads(z.decompress(buf))

    @staticmethod
    async def unzstd_next(ws, d) -> Any:
        """One payload of the zstd stream: binary messages until what they
        decompress to is a whole JSON value (each payload ends a flushed block)."""
        out = b""
        while True:
            msg = await asyncio.wait_for(ws.recv(), TIMEOUT)
            assert isinstance(msg, bytes), msg
            out += d.decompress(msg)
            try:
                return json.loads(out)
            except ValueError:
                continue

    async def session(self, p, query: str, next_payload) -> None:
        async with websockets.connect(p.url("/?v=10&encoding=json&compress=" + query), compression=None) as ws:
            hello = await next_payload(ws)
            self.assertEqual(hello["op"], 10)
            await ws.send(self.IDENTIFY)
            ready = await next_payload(ws)
            self.assertEqual((ready["op"], ready["t"]), (0, "READY"))
            self.assertEqual((await next_payload(ws))["t"], "GUILD_CREATE")

    def test_zlib_stream_whole_and_chunked(self):
        import zlib
        for chunk in ("0", "16"):
            async def body() -> None:
                async with PeerProcess("discord_peer.py", "--token", "t", "--zlib-chunk", chunk) as p:
                    z = zlib.decompressobj()  # one context for the connection
                    await self.session(p, "zlib-stream", lambda ws: self.inflate_next(ws, z))
                    # Without compress, frames stay text.
                    async with websockets.connect(p.url("/?v=10&encoding=json"), compression=None) as ws:
                        self.assertEqual((await recv_json(ws))["op"], 10)
                    self.assertEqual(await status_of(p.url("/?v=10&encoding=json&compress=brotli")), 400)
            with self.subTest(chunk=chunk):
                run(body())

    def test_zstd_stream_whole_and_chunked(self):
        import zstandard
        for chunk in ("0", "16"):
            async def body() -> None:
                async with PeerProcess("discord_peer.py", "--token", "t", "--zstd-chunk", chunk) as p:
                    d = zstandard.ZstdDecompressor().decompressobj()  # one context for the connection
                    await self.session(p, "zstd-stream", lambda ws: self.unzstd_next(ws, d))
            with self.subTest(chunk=chunk):
                run(body())


if __name__ == "__main__":
    unittest.main()
