#!/usr/bin/python3
"""A scripted Nightingale gateway (seed 001 and the real server) for sluice's tests.

Connect:   GET /ws?shards=N&user_id=ID        with `Authorization: <password>`
Resume:    GET /ws/resume/<session>           (the real server today)
           GET /ws/resume?session=<session>   (the real server before 2024-02)
           GET /ws/resume + header `session: <session>`   (seed 001)
           Unknown or expired session -> 400 {"message": "Session not present"};
           no session given -> 400 {"message": "Missing session ID"};
           session still attached to a connection -> 409 {"message": "session taken"}.
           A session is kept --session-timeout seconds (60) after its connection ends.
Wrong or missing Authorization -> 401 (no body), as the real server.

Server -> client, op names as the real server: `ready` {session, resumed, players?}
(players only on a resume), `forward`, `update_state`, `event`. Field spellings
follow --format (real: default; seed: the seed's names and shapes), or each one
separately with --event-shape, --state-fields, --duration, --forward-shape.

Client -> server (the real server's two ops):
  {"op": "update_voice_state", "data": {guild_id, user_id, session_id, channel_id}}
  {"op": "update_voice_server", "data": {endpoint, guild_id, token}}
Ids may be integers or strings of digits. Once a guild has both (and a joined
channel), the peer "connects voice" and sends update_state connect_gateway.

Strictness (the real server only logs these; the peer closes so tests see
them): malformed JSON -> close 1007; unknown op, missing or mistyped field ->
close 1008; binary frame -> close 1003; message over --max-size -> 1009.
--lenient turns the 1007/1008 closes into logged `protocol_error` events.

Control commands (stdin, or in-band as {"op": "test", "data": {"cmd": ...}}
with --test-commands), in addition to peerlib's ping/conns/stats/drop/close/send/set/get/quit:
  join guild_id channel_id [shard] [self_deaf] [self_mute]
        forward a Discord op 4 voice state update asking to join (what the
        REST `connect` call makes the real server do)
  leave guild_id [shard]         forward op 4 with channel_id null, then disconnect_gateway
  forward payload [shard]        forward any Discord payload
  update_state type guild_id [channel_id session_id server ssrc]
  track type(start|end|errored) guild_id [track] [stopped] [error]
        send a track event; `track` is a partial Track object
  play guild_id [track] [duration_ms]
        track_start now, track_end (stopped false) after duration_ms
  refuse_resume status(400|409) [count]   answer the next resume attempts with status
  expire [session]               forget sessions (resumes then get 400)
  sessions                       list the sessions
"""
from __future__ import annotations

import asyncio
import os
import sys
import urllib.parse
import uuid
from typing import Any, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerlib  # noqa: E402
from peerlib import Conn, http_error, is_int, strict_json_loads  # noqa: E402


def parse_id(v: Any) -> Optional[int]:
    """A Discord id as the real server accepts it: integer or string of digits."""
    if is_int(v) and v > 0:
        return v
    if isinstance(v, str) and v.isdigit() and int(v) > 0:
        return int(v)
    return None


class Session:
    def __init__(self, sid: str, user_id: int, shards: Optional[int]):
        self.id = sid
        self.user_id = user_id
        self.shards = shards
        self.conn: Optional[Conn] = None
        self.expiry: Optional[asyncio.TimerHandle] = None
        # guild id -> voice/player state
        self.guilds: dict[int, dict] = {}

    def guild(self, gid: int) -> dict:
        return self.guilds.setdefault(gid, {"channel_id": None, "voice_session": None, "endpoint": None,
                                            "token": None, "connected": False, "paused": False,
                                            "volume": 100, "current": None, "queue": []})


class NightingalePeer(peerlib.Peer):
    name = "nightingale"
    description = __doc__

    def __init__(self, args):
        super().__init__(args)
        self.sessions: dict[str, Session] = {}
        self.refusals: list[int] = []  # statuses for the next resume attempts
        self.seq = 0
        fmt = args.format
        self.args.event_shape = args.event_shape or ("wrapped" if fmt == "real" else "flat")
        self.args.state_fields = args.state_fields or ("real" if fmt == "real" else "seed")
        self.args.duration = args.duration or ("millis" if fmt == "real" else "object")
        self.args.forward_shape = args.forward_shape or ("wrapped" if fmt == "real" else "raw")

    @classmethod
    def add_arguments(cls, p):
        g = p.add_argument_group("nightingale options")
        g.add_argument("--password", default="nightingale",
                       help="the Authorization header every request must carry (default 'nightingale')")
        g.add_argument("--no-auth", action="store_true", help="accept requests without Authorization")
        g.add_argument("--resume-forms", default="path,query,header",
                       help="comma list of accepted resume forms: path, query, header (default all)")
        g.add_argument("--session-timeout", type=float, default=60.0,
                       help="seconds a session survives its connection (default 60)")
        g.add_argument("--session-kind", choices=["uuid", "integer"], default="uuid",
                       help="session ids as UUIDs (real, default) or integers (seed 001's resume header)")
        g.add_argument("--require-shards", action="store_true",
                       help="refuse a connect without ?shards= (seed 001; the real server no longer needs it)")
        g.add_argument("--format", choices=["real", "seed"], default="real",
                       help="default spelling of everything below (default real)")
        g.add_argument("--event-shape", choices=["wrapped", "flat"],
                       help="event data as {guild_id, event: {type, data}} (real) or {type, data} (seed)")
        g.add_argument("--state-fields", choices=["real", "seed"],
                       help="update_state fields channel_id/guild_id/session_id (real) or channel/guild/session (seed)")
        g.add_argument("--duration", choices=["millis", "object", "string"],
                       help="Track.duration as milliseconds (real), {secs, nanos} (2024) or a string (seed table)")
        g.add_argument("--forward-shape", choices=["wrapped", "raw"],
                       help="forward data as {shard, payload} (real) or the bare Discord payload (seed)")
        g.add_argument("--no-players", action="store_true", help="omit `players` from a resumed ready")
        g.add_argument("--no-voice-connect", action="store_true",
                       help="do not send connect_gateway when voice state and server updates arrive")
        g.add_argument("--lenient", action="store_true",
                       help="log bad client frames instead of closing (what the real server does)")

    # ----- handshake -----------------------------------------------------

    def new_session_id(self) -> str:
        if self.args.session_kind == "integer":
            self.seq += 1
            return str(1000 + self.seq)
        return str(uuid.uuid4())

    async def process_request(self, path: str, headers):
        parts = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        if not self.args.no_auth and headers.get("Authorization") != self.args.password:
            return http_error(401, None, [("WWW-Authenticate", 'Basic realm="Nightingale server", charset="UTF-8"')])
        route = parts.path.rstrip("/") or "/"
        if route == "/ws":
            user = parse_id(query.get("user_id"))
            # What axum's Query extractor answers when the query does not parse.
            if user is None:
                return http_error(400, b"Failed to deserialize query string: user_id")
            shards = query.get("shards")
            if shards is not None and not shards.isdigit():
                return http_error(400, b"Failed to deserialize query string: shards")
            if shards is None and self.args.require_shards:
                return http_error(400, b"Failed to deserialize query string: missing field `shards`")
            return None
        forms = set(f.strip() for f in self.args.resume_forms.split(","))
        sid = None
        if route.startswith("/ws/resume/") and "path" in forms:
            sid = urllib.parse.unquote(route[len("/ws/resume/"):])
        elif route == "/ws/resume":
            if "query" in forms and "session" in query:
                sid = query["session"]
            elif "header" in forms and headers.get("session"):
                sid = headers.get("session")
        else:
            return http_error(404, None)
        if not sid:
            return http_error(400, {"message": "Missing session ID"})
        if self.refusals:
            status = self.refusals.pop(0)
            body = {"message": "session taken"} if status == 409 else {"message": "Session not present"}
            return http_error(status, body)
        session = self.sessions.get(sid)
        if session is None:
            return http_error(400, {"message": "Session not present"})
        if session.conn is not None and not session.conn.closed:
            return http_error(409, {"message": "session taken"})
        return None

    def session_from_conn(self, conn: Conn) -> Optional[Session]:
        sid = conn.state.get("session")
        return self.sessions.get(sid) if sid else None

    async def on_connect(self, conn: Conn) -> None:
        resumed = conn.path.rstrip("/") != "/ws"
        if resumed:
            sid = conn.path.rstrip("/")[len("/ws/resume/"):] if conn.path.startswith("/ws/resume/") else \
                conn.query.get("session") or conn.headers.get("session")
            session = self.sessions[sid]
            if session.expiry:
                session.expiry.cancel()
                session.expiry = None
        else:
            session = Session(self.new_session_id(), int(conn.query["user_id"]),
                              int(conn.query["shards"]) if "shards" in conn.query else None)
            self.sessions[session.id] = session
        session.conn = conn
        conn.state.update(session=session.id, resumed=resumed, user_id=session.user_id)
        sid_value: Any = int(session.id) if self.args.session_kind == "integer" else session.id
        data: dict = {"session": sid_value, "resumed": resumed}
        if resumed and not self.args.no_players:
            data["players"] = [self.player(gid, g) for gid, g in session.guilds.items()]
        self.emit("ready", conn=conn.id, session=session.id, resumed=resumed)
        await conn.send_json({"op": "ready", "data": data})

    async def on_disconnect(self, conn: Conn, code) -> None:
        session = self.session_from_conn(conn)
        if session is None or session.conn is not conn:
            return
        session.conn = None
        loop = asyncio.get_running_loop()

        def expire() -> None:
            self.sessions.pop(session.id, None)
            self.emit("session_expired", session=session.id)

        session.expiry = loop.call_later(self.args.session_timeout, expire)

    # ----- client frames -------------------------------------------------

    async def violation(self, conn: Conn, message: str, code: int) -> None:
        if self.args.lenient:
            self.stats["protocol_errors"] += 1
            self.emit("protocol_error", conn=conn.id, message=message, code=None)
            return
        await self.protocol_error(conn, message, code)

    async def on_text(self, conn: Conn, text: str) -> None:
        try:
            msg = strict_json_loads(text)
        except ValueError as e:
            return await self.violation(conn, f"Invalid payload received, error: {e}", 1007)
        if not isinstance(msg, dict) or not isinstance(msg.get("op"), str) or not isinstance(msg.get("data"), dict):
            return await self.violation(conn, "a frame is {\"op\": string, \"data\": object}", 1008)
        op, data = msg["op"], msg["data"]
        session = self.session_from_conn(conn)
        self.emit("frame", conn=conn.id, op=op)
        if op == "test" and self.args.test_commands:
            reply = await self.command(data)
            self.emit("test_command", conn=conn.id, reply=reply)
            return
        if op == "update_voice_state":
            guild = parse_id(data.get("guild_id")) if data.get("guild_id") is not None else None
            user = parse_id(data.get("user_id"))
            channel = data.get("channel_id")
            if user is None or not isinstance(data.get("session_id"), str) or \
                    (channel is not None and parse_id(channel) is None) or \
                    (data.get("guild_id") is not None and guild is None):
                return await self.violation(conn, "update_voice_state: needs user_id, session_id, "
                                                  "optional guild_id and channel_id (integers or digit strings)", 1008)
            if guild is None or user != session.user_id:
                return  # not about the bot in a guild: ignored, like songbird does
            g = session.guild(guild)
            was = g["channel_id"]
            g["voice_session"] = data["session_id"]
            g["channel_id"] = parse_id(channel) if channel is not None else None
            if channel is None and was is not None:
                g["connected"] = False
                await self.send_state(session, "disconnect_gateway", guild)
            await self.maybe_connect(session, guild)
            return
        if op == "update_voice_server":
            guild = parse_id(data.get("guild_id"))
            endpoint = data.get("endpoint")
            if guild is None or not isinstance(data.get("token"), str) or \
                    (endpoint is not None and not isinstance(endpoint, str)):
                return await self.violation(conn, "update_voice_server: needs guild_id, token and optional endpoint", 1008)
            g = session.guild(guild)
            reconnect = g["connected"]
            g["endpoint"], g["token"] = endpoint, data["token"]
            if reconnect:
                g["connected"] = False
            await self.maybe_connect(session, guild, reconnect)
            return
        await self.violation(conn, f"unknown op {op!r}", 1008)

    async def maybe_connect(self, session: Session, guild: int, reconnect: bool = False) -> None:
        g = session.guild(guild)
        if self.args.no_voice_connect or g["connected"]:
            return
        if g["channel_id"] and g["voice_session"] and g["endpoint"] and g["token"]:
            g["connected"] = True
            await self.send_state(session, "reconnect_gateway" if reconnect else "connect_gateway", guild)

    # ----- server frames -------------------------------------------------

    def duration(self, ms: Optional[int]) -> Any:
        if ms is None:
            return None
        if self.args.duration == "object":
            return {"secs": ms // 1000, "nanos": (ms % 1000) * 1_000_000}
        if self.args.duration == "string":
            return str(ms)
        return ms

    def track(self, partial: Optional[dict]) -> dict:
        t = {"track": None, "artist": "sluice", "album": None, "channel": "sluice test channel",
             "duration": 180000, "source_url": "https://example.invalid/track", "title": "Test track",
             "thumbnail": None}
        t.update(partial or {})
        t["duration"] = self.duration(t["duration"])
        return t

    def player(self, gid: int, g: dict) -> dict:
        return {"guild_id": gid, "channel_id": g["channel_id"], "paused": g["paused"], "volume": g["volume"],
                "currently_playing": g["current"], "queue": g["queue"]}

    async def send_state(self, session: Session, kind: str, guild: int, **over) -> None:
        g = session.guild(guild)
        real = self.args.state_fields == "real"
        data = {("channel_id" if real else "channel"): over.get("channel_id", g["channel_id"]),
                ("guild_id" if real else "guild"): guild,
                ("session_id" if real else "session"): over.get("session_id", g["voice_session"] or "voice-session")}
        if kind != "disconnect_gateway":
            data["server"] = over.get("server", g["endpoint"] or "voice.example.invalid")
            data["ssrc"] = over.get("ssrc", 4242)
        self.emit("update_state", session=session.id, type=kind, guild_id=guild)
        if session.conn:
            await session.conn.send_json({"op": "update_state", "data": {"type": kind, "data": data}})

    async def send_event(self, session: Session, guild: int, kind: str, data: Any) -> None:
        if self.args.event_shape == "wrapped":
            body = {"guild_id": guild, "event": {"type": kind, "data": data}}
        else:
            body = {"type": kind, "data": data}
        if session.conn:
            await session.conn.send_json({"op": "event", "data": body})

    async def send_forward(self, session: Session, payload: Any, shard: int) -> None:
        data = {"shard": shard, "payload": payload} if self.args.forward_shape == "wrapped" else payload
        if session.conn:
            await session.conn.send_json({"op": "forward", "data": data})

    def target_sessions(self, cmd: dict) -> list[Session]:
        if cmd.get("session"):
            s = self.sessions.get(str(cmd["session"]))
            return [s] if s else []
        conns = self.targets(cmd)
        return [s for s in (self.session_from_conn(c) for c in conns) if s]

    async def on_command(self, cmd: dict) -> Optional[dict]:
        name = cmd["cmd"]
        if name == "join":
            gid, cid = int(cmd["guild_id"]), int(cmd["channel_id"])
            hit = self.target_sessions(cmd)
            for s in hit:
                s.guild(gid)["channel_id"] = cid
                payload = {"op": 4, "d": {"guild_id": str(gid), "channel_id": str(cid),
                                          "self_mute": bool(cmd.get("self_mute", False)),
                                          "self_deaf": bool(cmd.get("self_deaf", True))}}
                await self.send_forward(s, payload, int(cmd.get("shard", 0)))
            return {"ok": True, "count": len(hit)}
        if name == "leave":
            gid = int(cmd["guild_id"])
            hit = self.target_sessions(cmd)
            for s in hit:
                payload = {"op": 4, "d": {"guild_id": str(gid), "channel_id": None,
                                          "self_mute": False, "self_deaf": False}}
                await self.send_forward(s, payload, int(cmd.get("shard", 0)))
                g = s.guild(gid)
                if g["connected"] or cmd.get("force"):
                    g["connected"] = False
                    await self.send_state(s, "disconnect_gateway", gid)
                g["channel_id"] = None
            return {"ok": True, "count": len(hit)}
        if name == "forward":
            hit = self.target_sessions(cmd)
            for s in hit:
                await self.send_forward(s, cmd["payload"], int(cmd.get("shard", 0)))
            return {"ok": True, "count": len(hit)}
        if name == "update_state":
            kind = cmd["type"]
            if kind not in ("connect_gateway", "reconnect_gateway", "disconnect_gateway"):
                return {"ok": False, "error": f"unknown update_state type {kind!r}"}
            gid = int(cmd["guild_id"])
            hit = self.target_sessions(cmd)
            over = {k: cmd[k] for k in ("channel_id", "session_id", "server", "ssrc") if k in cmd}
            for s in hit:
                await self.send_state(s, kind, gid, **over)
            return {"ok": True, "count": len(hit)}
        if name == "track":
            kind = cmd["type"]
            gid = int(cmd["guild_id"])
            hit = self.target_sessions(cmd)
            for s in hit:
                t = self.track(cmd.get("track"))
                if kind == "start":
                    s.guild(gid)["current"] = t
                    await self.send_event(s, gid, "track_start", t)
                elif kind == "end":
                    s.guild(gid)["current"] = None
                    await self.send_event(s, gid, "track_end", {"stopped": bool(cmd.get("stopped", False)), "track": t})
                elif kind == "errored":
                    await self.send_event(s, gid, "track_errored", {"error": str(cmd.get("error", "Something failed")), "track": t})
                else:
                    return {"ok": False, "error": f"unknown track event {kind!r}"}
            return {"ok": True, "count": len(hit)}
        if name == "play":
            gid = int(cmd["guild_id"])
            ms = int(cmd.get("duration_ms", 200))
            hit = self.target_sessions(cmd)
            for s in hit:
                partial = dict(cmd.get("track") or {})
                partial["duration"] = ms
                t = self.track(partial)
                s.guild(gid)["current"] = t
                await self.send_event(s, gid, "track_start", t)

                async def finish(sess=s, track=t) -> None:
                    await asyncio.sleep(ms / 1000)
                    sess.guild(gid)["current"] = None
                    await self.send_event(sess, gid, "track_end", {"stopped": False, "track": track})
                asyncio.get_running_loop().create_task(finish())
            return {"ok": True, "count": len(hit)}
        if name == "refuse_resume":
            status = int(cmd.get("status", 400))
            if status not in (400, 409):
                return {"ok": False, "error": "status must be 400 or 409"}
            self.refusals += [status] * int(cmd.get("count", 1))
            return {"ok": True}
        if name == "expire":
            gone = [str(cmd["session"])] if cmd.get("session") else list(self.sessions)
            for sid in gone:
                s = self.sessions.pop(sid, None)
                if s and s.expiry:
                    s.expiry.cancel()
            return {"ok": True, "count": len(gone)}
        if name == "sessions":
            return {"ok": True, "sessions": [{"session": s.id, "user_id": s.user_id, "shards": s.shards,
                                              "attached": s.conn is not None,
                                              "guilds": {str(k): {"channel_id": v["channel_id"], "connected": v["connected"]}
                                                         for k, v in s.guilds.items()}}
                                             for s in self.sessions.values()]}
        return None

    def describe_state(self) -> dict:
        return {"sessions": len(self.sessions)}


if __name__ == "__main__":
    sys.exit(peerlib.main(NightingalePeer))
