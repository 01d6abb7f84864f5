#!/usr/bin/python3
"""A scripted i386chat gateway (seed 002) for sluice's tests.

No public server implements seed 002; this peer is the reference the client is
tested against, and it is strict.

Frames are {"f": code, "cnf": ..., "s": seq, "t": event} ("e" is accepted for
the event name, as in the seed's own example; --event-key picks what the peer
writes). Any path is accepted.

  100 hello     server, on connect: {"hb_int": --hb-int}
  110 present   client, first thing, {"token": string}; answered by 140
  120 heartbeat client every hb_int; the server echoes {"f": 120}
  130 execute   both ways: {"f": 130, "cnf": {...}, "s": seq, "t": EVENT}
  140 ready     server: {"v": 6, "session_id": integer, "enc_key": string}
  150 error     server: {"c": code, "d": true = being disconnected}

Close codes (every fatal error is a 150 {c, d: true} and then a close with c):
  4000 a message over 4096 bytes (--cap)        4001 no heartbeat in hb_int * --grace
  4002 rate limited (--rate executes per --rate-window s)   4003 shutting down (GATEWAY_DOWN)
  4004 malformed frame (bad JSON, not an object, unknown f, server-only f)
  4005 not identified (anything but 110 before 140, or a wrong token)
Non-fatal errors (150 with d false, the connection stays): 4004 for an
execute with an unknown event, a bad cnf for its event, a non-increasing `s`,
or a second present.

A small chat server runs behind the gateway, so clients see each other:
rooms ("channels", everyone starts in "general"):
  MESSAGE_CREATE {content, [channel], [nonce]} -> MESSAGE_CREATE {id, channel, content, author, [nonce]}
                                                   to everyone in the channel (sender included)
  MESSAGE_DELETE {id}            -> MESSAGE_DELETE {id, channel} to the channel
  START_TYPING {[channel]}       -> START_TYPING {session_id, channel} to the others in it
  CHANNEL_ADD {name}             -> CHANNEL_ADD {name} to everyone
  CHANNEL_MOVE {channel}         -> ROOM_USER_REMOVE {session_id, channel} to the old room,
                                    ROOM_USER_ADD {session_id, channel} to the new one (mover included)
  SYSTEM_BAN_ADD {session_id}    -> SYSTEM_BAN_ADD {session_id} to everyone; the banned client gets
                                    150 {c: 4005, d: true} and a close (only --admin-token may ban)
A ready client joins "general" (ROOM_USER_ADD to the room); a closed one leaves it.

Control commands (stdin, or in-band as an execute with event TEST_COMMAND and
the command as cnf, with --test-commands), besides peerlib's common ones:
  dispatch t [cnf] [conn]        send an execute (next sequence number)
  error c [d] [conn]             send a 150; d true also closes with c
  gateway_down [delay_ms]        GATEWAY_DOWN to everyone, close 4003 after delay_ms (default 100)
  withhold_echo true|false       stop/restart echoing heartbeats (also: set no_echo)
"""
from __future__ import annotations

import asyncio
import os
import secrets
import sys
import time
from collections import deque
from typing import Any, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerlib  # noqa: E402
from peerlib import Conn, is_int, strict_json_loads  # noqa: E402

CLIENT_EVENTS = {"MESSAGE_CREATE", "MESSAGE_DELETE", "START_TYPING", "SYSTEM_BAN_ADD", "CHANNEL_ADD", "CHANNEL_MOVE"}
SERVER_EVENTS = CLIENT_EVENTS | {"ROOM_USER_ADD", "ROOM_USER_REMOVE", "GATEWAY_DOWN"}

HELLO, PRESENT, HEARTBEAT, EXECUTE, READY, ERROR = 100, 110, 120, 130, 140, 150
PAYLOAD_OVER_CAP, TIMEOUT, RATE_LIMITED, SHUTTING_DOWN, MALFORMED, NOT_IDENTIFIED = 4000, 4001, 4002, 4003, 4004, 4005

REASONS = {PAYLOAD_OVER_CAP: "payload over 4096 bytes", TIMEOUT: "heartbeat timed out", RATE_LIMITED: "rate limited",
           SHUTTING_DOWN: "shutting down", MALFORMED: "malformed event", NOT_IDENTIFIED: "not identified"}


class I386ChatPeer(peerlib.Peer):
    name = "i386chat"
    description = __doc__

    def __init__(self, args):
        super().__init__(args)
        self.channels = {"general"}
        self.next_message = 1
        self.messages: dict[int, str] = {}  # message id -> channel

    @classmethod
    def add_arguments(cls, p):
        g = p.add_argument_group("i386chat options")
        g.add_argument("--hb-int", type=int, default=20000, help="heartbeat interval in ms sent in 100 (default 20000)")
        g.add_argument("--grace", type=float, default=1.5,
                       help="close 4001 when no heartbeat came for hb_int * grace (default 1.5)")
        g.add_argument("--token", default=None, help="the only token 110 accepts (default: any non-empty string)")
        g.add_argument("--admin-token", default=None, help="the token whose client may SYSTEM_BAN_ADD")
        g.add_argument("--cap", type=int, default=4096, help="largest message in bytes, both ways (default 4096)")
        g.add_argument("--rate", type=int, default=120, help="executes allowed per --rate-window (default 120; 0 = no limit)")
        g.add_argument("--rate-window", type=float, default=60.0, help="rate limit window in seconds (default 60)")
        g.add_argument("--event-key", choices=["t", "e"], default="t", help="key the peer writes event names under (default t)")
        g.add_argument("--no-echo", action="store_true", help="never echo heartbeats (the client must give up)")
        g.add_argument("--ready-delay", type=float, default=0.0,
                       help="seconds between 110 and 140; anything the client sends meanwhile is 4005")
        g.add_argument("--version", type=int, default=6, help="`v` in 140 (default 6)")

    # ----- sending -------------------------------------------------------

    async def send(self, conn: Conn, frame: dict) -> None:
        text = peerlib.dumps(frame)
        if len(text.encode()) > self.args.cap:
            # The cap holds both ways: the peer never sends what it would refuse.
            self.emit("oversize_dropped", conn=conn.id, size=len(text.encode()))
            return
        await conn.send_text(text)

    async def execute(self, conn: Conn, event: str, cnf: Any) -> None:
        conn.state["seq_out"] = conn.state.get("seq_out", 0) + 1
        await self.send(conn, {"f": EXECUTE, "cnf": cnf, "s": conn.state["seq_out"], self.args.event_key: event})

    async def fail(self, conn: Conn, code: int, message: str) -> None:
        """A fatal error: 150 {c, d: true}, then close with c."""
        self.stats["protocol_errors"] += 1
        self.emit("protocol_error", conn=conn.id, message=message, code=code)
        self.log(f"[{conn.id}] fatal {code}: {message}")
        await self.send(conn, {"f": ERROR, "cnf": {"c": code, "d": True}})
        await conn.close(code, REASONS.get(code, message))

    async def warn(self, conn: Conn, code: int, message: str) -> None:
        """A non-fatal error: 150 {c, d: false}."""
        self.emit("error_sent", conn=conn.id, message=message, code=code)
        await self.send(conn, {"f": ERROR, "cnf": {"c": code, "d": False}})

    def ready_conns(self, channel: Optional[str] = None) -> list[Conn]:
        return [c for c in self.conns.values() if not c.closed and c.state.get("phase") == "ready"
                and (channel is None or c.state.get("channel") == channel)]

    # ----- lifecycle -----------------------------------------------------

    async def on_connect(self, conn: Conn) -> None:
        conn.state.update(phase="await_present", seq_out=0, seq_in=None, heartbeats=0)
        conn.state["_rate"] = deque()
        await self.send(conn, {"f": HELLO, "cnf": {"hb_int": self.args.hb_int}})
        conn.last_beat = time.monotonic()
        conn.spawn(self.watchdog(conn))

    async def watchdog(self, conn: Conn) -> None:
        limit = self.args.hb_int * self.args.grace / 1000
        while not conn.closed:
            left = conn.last_beat + limit - time.monotonic()
            if left <= 0:
                await self.fail(conn, TIMEOUT, "no heartbeat in time")
                return
            await asyncio.sleep(left)

    async def on_disconnect(self, conn: Conn, code) -> None:
        if conn.state.get("phase") == "ready":
            conn.state["phase"] = "gone"
            for other in self.ready_conns(conn.state["channel"]):
                await self.execute(other, "ROOM_USER_REMOVE",
                                   {"session_id": conn.state["session_id"], "channel": conn.state["channel"]})

    def describe_state(self) -> dict:
        return {"channels": sorted(self.channels)}

    # ----- receiving -----------------------------------------------------

    async def on_binary(self, conn: Conn, data: bytes) -> None:
        if len(data) > self.args.cap:
            return await self.fail(conn, PAYLOAD_OVER_CAP, f"binary message of {len(data)} bytes")
        await self.fail(conn, MALFORMED, "binary frames are not part of the protocol")

    async def on_text(self, conn: Conn, text: str) -> None:
        size = len(text.encode())
        if size > self.args.cap:
            return await self.fail(conn, PAYLOAD_OVER_CAP, f"message of {size} bytes")
        try:
            msg = strict_json_loads(text)
        except ValueError as e:
            return await self.fail(conn, MALFORMED, f"bad JSON: {e}")
        if not isinstance(msg, dict) or not is_int(msg.get("f")):
            return await self.fail(conn, MALFORMED, "a frame is an object with an integer f")
        f = msg["f"]
        self.emit("frame", conn=conn.id, f=f, t=msg.get("t", msg.get("e")))
        phase = conn.state["phase"]
        if f in (HELLO, READY, ERROR):
            return await self.fail(conn, MALFORMED, f"function code {f} is server-only")
        if f not in (PRESENT, HEARTBEAT, EXECUTE):
            return await self.fail(conn, MALFORMED, f"unknown function code {f}")
        if phase != "ready" and f != PRESENT or phase == "presenting":
            return await self.fail(conn, NOT_IDENTIFIED, f"function code {f} before ready")
        if f == PRESENT:
            return await self.present(conn, msg)
        if f == HEARTBEAT:
            if "cnf" in msg and msg["cnf"] not in (None, {}):
                return await self.warn(conn, MALFORMED, "heartbeat takes no configuration")
            conn.last_beat = time.monotonic()
            conn.state["heartbeats"] += 1
            if not (self.args.no_echo or conn.state.get("withhold_echo")):
                await self.send(conn, {"f": HEARTBEAT})
            return
        await self.on_execute(conn, msg)

    async def present(self, conn: Conn, msg: dict) -> None:
        if conn.state["phase"] == "ready":
            return await self.warn(conn, MALFORMED, "already identified")
        cnf = msg.get("cnf")
        if not isinstance(cnf, dict) or not isinstance(cnf.get("token"), str) or not cnf["token"]:
            return await self.fail(conn, NOT_IDENTIFIED, "110 needs cnf.token, a non-empty string")
        token = cnf["token"]
        if self.args.token is not None and token not in (self.args.token, self.args.admin_token):
            return await self.fail(conn, NOT_IDENTIFIED, "wrong token")
        if self.args.ready_delay > 0:
            conn.state["phase"] = "presenting"
            await asyncio.sleep(self.args.ready_delay)
            if conn.closed:
                return
        session_id = secrets.randbelow(9 * 10**12) + 10**12
        conn.state.update(phase="ready", session_id=session_id, channel="general",
                          admin=self.args.admin_token is not None and token == self.args.admin_token)
        conn.last_beat = time.monotonic()
        await self.send(conn, {"f": READY, "cnf": {"v": self.args.version, "session_id": session_id,
                                                   "enc_key": "-".join(secrets.token_hex(4) for _ in range(5))}})
        self.emit("ready", conn=conn.id, session_id=session_id)
        for other in self.ready_conns("general"):
            if other is not conn:
                await self.execute(other, "ROOM_USER_ADD", {"session_id": session_id, "channel": "general"})

    async def on_execute(self, conn: Conn, msg: dict) -> None:
        if self.args.rate > 0:
            window = conn.state["_rate"]
            t = time.monotonic()
            while window and window[0] <= t - self.args.rate_window:
                window.popleft()
            window.append(t)
            if len(window) > self.args.rate:
                return await self.fail(conn, RATE_LIMITED, "too many executes")
        event = msg.get("t", msg.get("e"))
        if "t" in msg and "e" in msg and msg["t"] != msg["e"]:
            return await self.warn(conn, MALFORMED, "t and e disagree")
        if not isinstance(event, str):
            return await self.warn(conn, MALFORMED, "execute needs an event name in t (or e)")
        seq = msg.get("s")
        if seq is not None:
            if not is_int(seq) or (conn.state["seq_in"] is not None and seq <= conn.state["seq_in"]):
                return await self.warn(conn, MALFORMED, f"sequence {seq!r} does not increase")
            conn.state["seq_in"] = seq
        cnf = msg.get("cnf")
        if event == "TEST_COMMAND" and self.args.test_commands:
            reply = await self.command(cnf if isinstance(cnf, dict) else {})
            self.emit("test_command", conn=conn.id, reply=reply)
            return
        if event not in CLIENT_EVENTS:
            return await self.warn(conn, MALFORMED, f"unknown or server-only event {event!r}")
        if not isinstance(cnf, dict):
            return await self.warn(conn, MALFORMED, f"{event} needs an object cnf")
        await getattr(self, "on_" + event.lower())(conn, cnf)

    # ----- the chat behind the gateway ------------------------------------

    def channel_of(self, conn: Conn, cnf: dict) -> Optional[str]:
        ch = cnf.get("channel", conn.state["channel"])
        return ch if isinstance(ch, str) and ch in self.channels else None

    async def on_message_create(self, conn: Conn, cnf: dict) -> None:
        ch = self.channel_of(conn, cnf)
        if not isinstance(cnf.get("content"), str) or ch is None:
            return await self.warn(conn, MALFORMED, "MESSAGE_CREATE needs content and a known channel")
        mid = self.next_message
        self.next_message += 1
        self.messages[mid] = ch
        out = {"id": mid, "channel": ch, "content": cnf["content"], "author": conn.state["session_id"]}
        if "nonce" in cnf:
            out["nonce"] = cnf["nonce"]
        for c in self.ready_conns(ch):
            await self.execute(c, "MESSAGE_CREATE", out)

    async def on_message_delete(self, conn: Conn, cnf: dict) -> None:
        mid = cnf.get("id")
        if not is_int(mid) or mid not in self.messages:
            return await self.warn(conn, MALFORMED, "MESSAGE_DELETE needs the id of a message")
        ch = self.messages.pop(mid)
        for c in self.ready_conns(ch):
            await self.execute(c, "MESSAGE_DELETE", {"id": mid, "channel": ch})

    async def on_start_typing(self, conn: Conn, cnf: dict) -> None:
        ch = self.channel_of(conn, cnf)
        if ch is None:
            return await self.warn(conn, MALFORMED, "START_TYPING in an unknown channel")
        for c in self.ready_conns(ch):
            if c is not conn:
                await self.execute(c, "START_TYPING", {"session_id": conn.state["session_id"], "channel": ch})

    async def on_channel_add(self, conn: Conn, cnf: dict) -> None:
        name = cnf.get("name")
        if not isinstance(name, str) or not name or name in self.channels:
            return await self.warn(conn, MALFORMED, "CHANNEL_ADD needs a new channel name")
        self.channels.add(name)
        for c in self.ready_conns():
            await self.execute(c, "CHANNEL_ADD", {"name": name})

    async def on_channel_move(self, conn: Conn, cnf: dict) -> None:
        to = cnf.get("channel")
        if not isinstance(to, str) or to not in self.channels:
            return await self.warn(conn, MALFORMED, "CHANNEL_MOVE needs a known channel")
        old = conn.state["channel"]
        sid = conn.state["session_id"]
        conn.state["channel"] = to
        for c in self.ready_conns(old):
            await self.execute(c, "ROOM_USER_REMOVE", {"session_id": sid, "channel": old})
        for c in self.ready_conns(to):
            await self.execute(c, "ROOM_USER_ADD", {"session_id": sid, "channel": to})

    async def on_system_ban_add(self, conn: Conn, cnf: dict) -> None:
        target = cnf.get("session_id")
        if not conn.state.get("admin"):
            return await self.warn(conn, NOT_IDENTIFIED, "only the admin may ban")
        if not is_int(target):
            return await self.warn(conn, MALFORMED, "SYSTEM_BAN_ADD needs a session_id")
        for c in self.ready_conns():
            await self.execute(c, "SYSTEM_BAN_ADD", {"session_id": target})
        for c in self.ready_conns():
            if c.state["session_id"] == target:
                await self.fail(c, NOT_IDENTIFIED, "banned")

    # ----- control -------------------------------------------------------

    async def on_command(self, cmd: dict) -> Optional[dict]:
        name = cmd["cmd"]
        if name == "dispatch":
            event = str(cmd["t"])
            hit = [c for c in self.targets(cmd) if c.state.get("phase") == "ready"]
            for c in hit:
                await self.execute(c, event, cmd.get("cnf", {}))
            return {"ok": True, "count": len(hit)}
        if name == "error":
            code, fatal = int(cmd["c"]), bool(cmd.get("d", False))
            hit = self.targets(cmd)
            for c in hit:
                if fatal:
                    await self.fail(c, code, "error command")
                else:
                    await self.warn(c, code, "error command")
            return {"ok": True, "count": len(hit)}
        if name == "gateway_down":
            delay = float(cmd.get("delay_ms", 100)) / 1000
            hit = self.targets(cmd)
            for c in hit:
                if c.state.get("phase") == "ready":
                    await self.execute(c, "GATEWAY_DOWN", {})

            async def later(conns=hit) -> None:
                await asyncio.sleep(delay)
                for c in conns:
                    await c.close(SHUTTING_DOWN, REASONS[SHUTTING_DOWN])
            asyncio.get_running_loop().create_task(later())
            return {"ok": True, "count": len(hit)}
        if name == "withhold_echo":
            value = bool(cmd.get("value", True))
            hit = self.targets(cmd)
            for c in hit:
                c.state["withhold_echo"] = value
            return {"ok": True, "count": len(hit)}
        return None


if __name__ == "__main__":
    sys.exit(peerlib.main(I386ChatPeer, default_max_size=1 << 20))
