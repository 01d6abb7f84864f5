#!/usr/bin/python3
"""A scripted Discord gateway and REST API, with a Midjourney-like bot, for
sluice's examples, integration tests and `./run demo`.

    /usr/bin/python3 discord_peer.py [--heartbeat-interval MS] [--token T] [--events] ...

stdout: the first line is `listening HOST GATEWAY_PORT REST_PORT`, then (with
--events) one JSON event a line, and the replies to control commands.

Gateway (any path; `v` must be 9 or 10 when given, `encoding` json): frames
{"op","d","s","t"}, `s` and `t` only on op 0, the way Discord writes them.
With `compress=zlib-stream` in the query every frame from the peer is
deflated into the connection's one zlib stream, ends with a sync flush
(00 00 ff ff) and goes out as a binary message (--zlib-chunk N splits each
into N-byte messages). With `compress=zstd-stream` (needs python3-zstandard)
every frame goes into the connection's one Zstandard frame, compressed with
ZSTD_e_flush (the frame is never ended) and sent as a binary message
(--zstd-chunk N splits each into N-byte messages). Any other `compress` is
refused with 400.
  on connect        op 10 hello {heartbeat_interval}
  op 1 heartbeat    op 11 ack (unless acks are withheld); d must be the last
                    sequence the peer sent on this session, or null
  op 2 identify     token (--token, else any non-empty), intents, properties
                    {os, browser, device}, optional shard [id, count]: READY
                    {v, user, session_id, resume_gateway_url, guilds,
                    application, shard}, then a GUILD_CREATE a guild (--guilds)
  op 6 resume       a known session with the same token: the dispatches after
                    `seq` again, then RESUMED; else op 9 false
  op 3, 4, 8        accepted (counted and reported)
Close codes, as Discord uses them: 4001 unknown opcode, 4002 decode error
(bad JSON, a field of the wrong type), 4003 not authenticated (an op before
identify), 4004 authentication failed, 4005 already authenticated, 4007
invalid seq (a resume from the future), 4008 rate limited (over --rate
sends per 60 s), 4009 session timed out (no heartbeat within 1.5 intervals),
4010 invalid shard, 4012 invalid API version, 4013 invalid intents.

Sessions outlive their connections (until op 9 false or --session-timeout),
so a dropped client resumes and gets what it missed.

REST (HTTP/1.1 on REST_PORT, under /api/v10 and /api/v9; Authorization must
be the token or "Bot <token>"):
  GET  /applications/{app}/commands, /applications/{app}/guilds/{g}/commands
                    the Midjourney bot's commands (imagine, ...)
  POST /interactions  204, then the bot answers on the gateway session named
                    by `session_id`, in `channel_id`:
    type 2 imagine  MESSAGE_CREATE with the nonce "(Waiting to start)";
                    --mj-steps MESSAGE_UPDATEs "(NN%)" --mj-step-ms apart;
                    MESSAGE_DELETE; the result MESSAGE_CREATE without a nonce,
                    an attachment URL on this server and U1-U4/V1-V4/reroll
                    buttons. The prompt steers it: "banned" -> an embed
                    "Banned prompt" (red), "queue" -> a "Job queued" embed
                    first, "silent" -> no answer at all.
    type 3 button   MJ::JOB::upsample::N::HASH -> "Image #N" with the nonce;
                    variation -> "Variations (Strong)"; reroll -> a new grid
  GET  /attachments/...  a PNG
  A `rest_429` command makes the next N requests answer 429 {retry_after}.

Control commands (stdin; with --test-commands also in-band as op 0 with t
TEST_COMMAND and the command as d), besides peerlib's:
  dispatch t d [session] [drop] a dispatch on a session (default: the newest);
                               stored for resume while it is disconnected;
                               drop: true drops its connection first (the
                               client misses it and gets it on resume)
  message content [channel] [drop]  a MESSAGE_CREATE from a user
  reconnect [conn]             op 7           heartbeat_request [conn]   op 1
  invalid_session [resumable]  op 9 (false also forgets the session)
  withhold_acks [value]        stop (true) or resume heartbeat acks
  sessions                     the sessions, their sequence and connection
  rest_429 [count] [retry_after]
"""
from __future__ import annotations

import asyncio
import base64
import os
import re
import sys
import time
import uuid
from collections import deque
from typing import Any, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerlib  # noqa: E402
from peerlib import Conn, dumps, is_int, strict_json_loads  # noqa: E402

import websockets  # noqa: E402

try:  # only for compress=zstd-stream
    import zstandard  # noqa: E402
except ImportError:
    zstandard = None

MIDJOURNEY_BOT = "936929561302675456"
IMAGINE_COMMAND = "938956540159881230"
IMAGINE_VERSION = "1237876415471554623"
EPOCH_MS = 1420070400000

# A valid 1x1 PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


class Snowflakes:
    """Discord ids: milliseconds since 2015 << 22 | a counter."""

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> str:
        self.n = (self.n + 1) & 0xFFF
        return str(((int(time.time() * 1000) - EPOCH_MS) << 22) | (1 << 17) | self.n)


class Session:
    def __init__(self, sid: str, token: str, shard, user_id: str):
        self.id = sid
        self.token = token
        self.shard = shard
        self.user_id = user_id
        self.seq = 0
        self.log: deque = deque(maxlen=2000)  # (seq, frame text)
        self.conn: Optional[Conn] = None
        self.last_seen = time.monotonic()


class ZstdStream:
    """One connection's zstd-stream, shaped like zlib's compressobj for
    peerlib.Conn.send_text: compress() then flush(), which ends the block
    (ZSTD_e_flush) so the client can decompress the whole payload."""

    def __init__(self, level: int):
        self.c = zstandard.ZstdCompressor(level=level).compressobj()

    def compress(self, data: bytes) -> bytes:
        return self.c.compress(data)

    def flush(self, _mode=None) -> bytes:
        return self.c.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)


class DiscordPeer(peerlib.Peer):
    name = "discord"
    description = __doc__

    @classmethod
    def add_arguments(cls, p):
        g = p.add_argument_group("discord options")
        g.add_argument("--heartbeat-interval", type=int, default=41250, help="ms, sent in hello (default 41250)")
        g.add_argument("--token", default=None, help="the only token identify accepts (default: any non-empty)")
        g.add_argument("--zlib-chunk", type=int, default=0,
                       help="with compress=zlib-stream, split each compressed frame into binary messages of this many bytes")
        g.add_argument("--zstd-chunk", type=int, default=0,
                       help="with compress=zstd-stream, split each compressed frame into binary messages of this many bytes")
        g.add_argument("--zstd-level", type=int, default=3, help="zstd compression level for compress=zstd-stream (default 3)")
        g.add_argument("--guilds", type=int, default=1, help="guilds in READY, each followed by a GUILD_CREATE (default 1)")
        g.add_argument("--rate", type=int, default=120, help="client sends allowed per 60 s per connection (default 120)")
        g.add_argument("--no-heartbeat-timeout", action="store_true", help="never close 4009 for a missing heartbeat")
        g.add_argument("--session-timeout", type=float, default=180.0, help="s a disconnected session stays resumable")
        g.add_argument("--rest-port", type=int, default=0, help="the REST port (0: any free one)")
        g.add_argument("--mj-steps", type=int, default=3, help="progress updates of a Midjourney job (default 3)")
        g.add_argument("--mj-step-ms", type=int, default=300, help="ms between them (default 300)")

    def __init__(self, args):
        super().__init__(args)
        self.sessions: dict[str, Session] = {}
        self.newest: Optional[Session] = None
        self.ids = Snowflakes()
        self.withhold_acks = False
        self.rest_port = 0
        self.rest_429: list = [0, 0.2]  # requests left to refuse, retry_after
        self.jobs: dict[str, dict] = {}  # hash -> the grid's prompt and message

    # ----- gateway --------------------------------------------------------

    async def process_request(self, path, headers):
        q = dict(x.split("=", 1) for x in (path.split("?", 1)[1].split("&") if "?" in path else []) if "=" in x)
        if q.get("encoding", "json") != "json":
            return peerlib.http_error(400, {"message": "only encoding=json here", "code": 0})
        if q.get("compress", "zlib-stream") not in ("zlib-stream", "zstd-stream"):
            return peerlib.http_error(400, {"message": "only compress=zlib-stream or zstd-stream here", "code": 0})
        if q.get("compress") == "zstd-stream" and zstandard is None:
            return peerlib.http_error(400, {"message": "zstd-stream needs python3-zstandard", "code": 0})
        return None

    async def on_connect(self, conn: Conn) -> None:
        conn.state.update(identified=False, session=None, last_beat=time.monotonic(), sends=deque())
        if conn.query.get("compress") == "zlib-stream":
            conn.compress_zlib_stream(self.args.zlib_chunk)
            conn.state["compress"] = "zlib-stream"
        elif conn.query.get("compress") == "zstd-stream":
            # peerlib's Conn sends through conn.deflate's compress() and
            # flush(mode); a zstd stream with that interface takes its place.
            conn.deflate = ZstdStream(self.args.zstd_level)
            conn.deflate_chunk = self.args.zstd_chunk
            conn.state["compress"] = "zstd-stream"
        v = conn.query.get("v")
        if v is not None and v not in ("9", "10"):
            await conn.close(4012, "Invalid API version")
            return
        await conn.send_json({"op": 10, "d": {"heartbeat_interval": self.args.heartbeat_interval,
                                              "_trace": ["[\"sluice-discord-peer\",{\"micros\":0}]"]}, "s": None, "t": None})
        if not self.args.no_heartbeat_timeout:
            conn.spawn(self.watch_heartbeats(conn))

    async def watch_heartbeats(self, conn: Conn) -> None:
        limit = self.args.heartbeat_interval / 1000 * 1.5 + 0.5
        while not conn.closed:
            await asyncio.sleep(0.25)
            if time.monotonic() - conn.state["last_beat"] > limit:
                self.emit("heartbeat_timeout", conn=conn.id)
                await conn.close(4009, "Session timed out")
                return

    async def on_text(self, conn: Conn, text: str) -> None:
        try:
            frame = strict_json_loads(text)
        except ValueError as e:
            await self.protocol_error(conn, f"Error while decoding payload: {e}", 4002)
            return
        if not isinstance(frame, dict) or not is_int(frame.get("op")):
            await self.protocol_error(conn, "Error while decoding payload: no op", 4002)
            return
        sends = conn.state["sends"]
        now = time.monotonic()
        sends.append(now)
        while sends and now - sends[0] > 60:
            sends.popleft()
        if len(sends) > self.args.rate:
            await self.protocol_error(conn, "You are being rate limited.", 4008)
            return
        op, d = frame["op"], frame.get("d")
        if op == 1:
            await self.heartbeat(conn, d)
        elif op == 2:
            await self.identify(conn, d)
        elif op == 6:
            await self.resume(conn, d)
        elif op in (3, 4, 8):
            if not conn.state["identified"]:
                await self.protocol_error(conn, "Not authenticated.", 4003)
                return
            self.emit("command", conn=conn.id, op=op, d=d)
        elif op == 0 and self.args.test_commands and frame.get("t") == "TEST_COMMAND":
            reply = await self.command(d)
            self.emit("test_command", conn=conn.id, command=d, reply=reply)
        else:
            await self.protocol_error(conn, f"Unknown opcode {op}.", 4001)

    async def heartbeat(self, conn: Conn, d) -> None:
        if d is not None and not is_int(d):
            await self.protocol_error(conn, "Error while decoding payload: heartbeat d", 4002)
            return
        s: Optional[Session] = conn.state["session"]
        conn.state["last_beat"] = time.monotonic()
        if s is not None and d is not None and d > s.seq:
            await self.protocol_error(conn, f"heartbeat for sequence {d}, only {s.seq} sent", 4007)
            return
        self.emit("heartbeat", conn=conn.id, d=d, acked=not self.withhold_acks)
        if not self.withhold_acks:
            await conn.send_json({"op": 11, "d": None, "s": None, "t": None})

    def check_token(self, token) -> bool:
        return isinstance(token, str) and token != "" and (self.args.token is None or token == self.args.token)

    async def identify(self, conn: Conn, d) -> None:
        if conn.state["identified"]:
            await self.protocol_error(conn, "You sent more than one identify payload.", 4005)
            return
        if not isinstance(d, dict):
            await self.protocol_error(conn, "Error while decoding payload: identify d", 4002)
            return
        props = d.get("properties")
        if not isinstance(props, dict) or not all(isinstance(props.get(k), str) for k in ("os", "browser", "device")):
            await self.protocol_error(conn, "Error while decoding payload: properties", 4002)
            return
        if not self.check_token(d.get("token")):
            self.emit("auth_failed", conn=conn.id)
            await conn.close(4004, "Authentication failed.")
            return
        if not is_int(d.get("intents")) or d["intents"] < 0 or d["intents"] >= 1 << 26:
            await conn.close(4013, "Invalid intent(s).")
            return
        shard = d.get("shard")
        if shard is not None and not (isinstance(shard, list) and len(shard) == 2 and all(is_int(x) for x in shard)
                                      and 0 <= shard[0] < shard[1]):
            await conn.close(4010, "Invalid shard.")
            return
        s = Session(uuid.uuid4().hex, d["token"], shard, self.ids.next())
        self.sessions[s.id] = s
        self.newest = s
        self.attach(conn, s)
        self.emit("identify", conn=conn.id, session=s.id, intents=d["intents"], shard=shard)
        guilds = [{"id": str(1011118430651756540 + i), "unavailable": True} for i in range(self.args.guilds)]
        ready = {"v": 10, "user": {"id": s.user_id, "username": "sluice-demo-bot", "discriminator": "0", "bot": True,
                                   "avatar": None, "global_name": None},
                 "session_type": "normal", "session_id": s.id, "resume_gateway_url": self.gateway_url(conn.headers.get("Host")),
                 "guilds": guilds, "application": {"id": s.user_id, "flags": 0}}
        if shard is not None:
            ready["shard"] = shard
        await self.dispatch(s, "READY", ready)
        for g in guilds:
            await self.dispatch(s, "GUILD_CREATE", {"id": g["id"], "name": f"guild {g['id'][-2:]}", "unavailable": False,
                                                   "member_count": 2, "channels": [], "members": []})

    async def resume(self, conn: Conn, d) -> None:
        if conn.state["identified"]:
            await self.protocol_error(conn, "You sent more than one identify payload.", 4005)
            return
        if not isinstance(d, dict) or not isinstance(d.get("session_id"), str) or not (d.get("seq") is None or is_int(d.get("seq"))):
            await self.protocol_error(conn, "Error while decoding payload: resume d", 4002)
            return
        s = self.sessions.get(d["session_id"])
        seq = d.get("seq") or 0
        if s is None or s.token != d.get("token") or self.expired(s):
            self.emit("resume_refused", conn=conn.id, session=d["session_id"])
            await asyncio.sleep(0.1)
            await conn.send_json({"op": 9, "d": False, "s": None, "t": None})
            return
        if seq > s.seq:
            await conn.close(4007, "Invalid seq.")
            return
        self.attach(conn, s)
        missed = [text for (n, text) in s.log if n > seq]
        self.emit("resume", conn=conn.id, session=s.id, seq=seq, replayed=len(missed))
        for text in missed:
            await conn.send_text(text)
        await self.dispatch(s, "RESUMED", {"_trace": ["[\"sluice-discord-peer\",{\"micros\":0}]"]})

    def attach(self, conn: Conn, s: Session) -> None:
        old = s.conn
        if old is not None and old is not conn and not old.closed:
            old.drop()  # the session moved to the new connection
        s.conn = conn
        conn.state["identified"] = True
        conn.state["session"] = s
        conn.state["session_id"] = s.id

    def expired(self, s: Session) -> bool:
        return (s.conn is None or s.conn.closed) and time.monotonic() - s.last_seen > self.args.session_timeout

    async def on_disconnect(self, conn: Conn, code) -> None:
        s: Optional[Session] = conn.state.get("session")
        if s is not None and s.conn is conn:
            s.conn = None
            s.last_seen = time.monotonic()
            if code in (1000, 1001):  # closing with 1000/1001 ends the session
                self.sessions.pop(s.id, None)
                self.emit("session_ended", session=s.id)

    def gateway_url(self, host: Optional[str] = None) -> str:
        """Where to resume: the name the client connected to (from its Host
        header, so that a TLS certificate for that name still matches; some
        clients leave the port out of it) or the bound address, on our port."""
        name = self.args.host
        if host:
            name = re.sub(r":\d+$", "", host)
        return f"{'wss' if self.args.cert else 'ws'}://{name}:{self.port}"

    async def dispatch(self, s: Session, t: str, d: Any) -> int:
        s.seq += 1
        text = dumps({"t": t, "s": s.seq, "op": 0, "d": d})
        s.log.append((s.seq, text))
        live = s.conn is not None and not s.conn.closed
        self.emit("dispatch", session=s.id, t=t, s=s.seq, delivered=live)
        if live:
            await s.conn.send_text(text)
        return s.seq

    def session_for(self, cmd: dict) -> Optional[Session]:
        sid = cmd.get("session")
        s = self.sessions.get(sid) if sid else self.newest
        if s is not None and cmd.get("drop") and s.conn is not None and not s.conn.closed:
            s.conn.drop()
        return s

    # ----- control commands -------------------------------------------------

    async def on_command(self, cmd: dict) -> Optional[dict]:
        name = cmd["cmd"]
        if name == "dispatch":
            s = self.session_for(cmd)
            if s is None:
                return {"ok": False, "error": "no session"}
            return {"ok": True, "s": await self.dispatch(s, str(cmd["t"]), cmd.get("d"))}
        if name == "message":
            s = self.session_for(cmd)
            if s is None:
                return {"ok": False, "error": "no session"}
            msg = self.message(str(cmd.get("channel", "1097345283567484928")), {"id": "402019850117365761", "username": "painter"},
                               str(cmd.get("content", "")))
            return {"ok": True, "s": await self.dispatch(s, "MESSAGE_CREATE", msg)}
        if name == "reconnect":
            hit = self.targets(cmd)
            for c in hit:
                await c.send_json({"op": 7, "d": None, "s": None, "t": None})
            return {"ok": True, "count": len(hit)}
        if name == "heartbeat_request":
            hit = self.targets(cmd)
            for c in hit:
                await c.send_json({"op": 1, "d": None, "s": None, "t": None})
            return {"ok": True, "count": len(hit)}
        if name == "invalid_session":
            resumable = bool(cmd.get("resumable", False))
            hit = self.targets(cmd)
            for c in hit:
                s = c.state.get("session")
                if s is not None and not resumable:
                    self.sessions.pop(s.id, None)
                await c.send_json({"op": 9, "d": resumable, "s": None, "t": None})
            return {"ok": True, "count": len(hit)}
        if name == "withhold_acks":
            self.withhold_acks = bool(cmd.get("value", True))
            return {"ok": True}
        if name == "sessions":
            return {"ok": True, "sessions": [{"session": s.id, "seq": s.seq, "connected": s.conn is not None and not s.conn.closed,
                                              "conn": s.conn.id if s.conn else None} for s in self.sessions.values()]}
        if name == "rest_429":
            self.rest_429 = [int(cmd.get("count", 1)), float(cmd.get("retry_after", 0.2))]
            return {"ok": True}
        return None

    def describe_state(self) -> dict:
        return {"sessions": len(self.sessions)}

    # ----- the Midjourney bot -------------------------------------------------

    def message(self, channel: str, author: dict, content: str, **extra) -> dict:
        m = {"type": 0, "tts": False, "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime()),
             "pinned": False, "mentions": [], "mention_roles": [], "mention_everyone": False, "id": self.ids.next(),
             "flags": 0, "embeds": [], "edited_timestamp": None, "content": content, "components": [],
             "channel_id": channel, "author": author, "attachments": []}
        m.update(extra)
        return m

    def bot(self) -> dict:
        return {"username": "Midjourney Bot", "public_flags": 589824, "id": MIDJOURNEY_BOT, "global_name": None,
                "discriminator": "9282", "bot": True, "avatar": None}

    def attachment(self, channel: str, user: str, prompt: str, job_hash: str, suffix: str = "") -> dict:
        slug = re.sub(r"[^a-z0-9]+", "_", prompt.lower()).strip("_")[:40] or "image"
        name = f"{user}_{slug}_{job_hash}{suffix}.png"
        att = self.ids.next()
        url = f"http://{self.args.host}:{self.rest_port}/attachments/{channel}/{att}/{name}"
        return {"width": 2048, "url": url, "size": len(PNG), "proxy_url": url, "id": att, "height": 2048,
                "filename": name, "content_type": "image/png"}

    @staticmethod
    def buttons(job_hash: str) -> list:
        def button(label, custom, emoji=None):
            b = {"type": 2, "style": 2, "custom_id": custom}
            if label:
                b["label"] = label
            if emoji:
                b["emoji"] = {"name": emoji}
            return b
        return [{"type": 1, "components": [button(f"U{i}", f"MJ::JOB::upsample::{i}::{job_hash}") for i in range(1, 5)]
                 + [button(None, f"MJ::JOB::reroll::0::{job_hash}::SOLO", "\U0001f504")]},
                {"type": 1, "components": [button(f"V{i}", f"MJ::JOB::variation::{i}::{job_hash}") for i in range(1, 5)]}]

    async def run_grid(self, s: Session, channel: str, guild: Optional[str], nonce: str, prompt: str,
                       label: str = "(fast)") -> None:
        """A grid job: started, progress, deleted, result (imagine, reroll, variation)."""
        user = "402019850117365761"
        where = {"guild_id": guild} if guild else {}
        step = self.args.mj_step_ms / 1000
        if "silent" in prompt:
            self.emit("mj_silent", nonce=nonce)
            return
        await asyncio.sleep(0.1)
        if "banned" in prompt:
            await self.dispatch(s, "MESSAGE_CREATE", self.message(
                channel, self.bot(), "", nonce=nonce, flags=64, **where,
                embeds=[{"type": "rich", "title": "Banned prompt",
                         "description": "The word `banned` is banned. Circumventing this filter to violate our rules "
                                        "may result in your access being revoked.", "color": 16711680}]))
            return
        if "queue" in prompt:
            await self.dispatch(s, "MESSAGE_CREATE", self.message(
                channel, self.bot(), "", nonce=nonce, **where,
                embeds=[{"type": "rich", "title": "Job queued",
                         "description": "Your job will start shortly.", "color": 16776960}]))
            await asyncio.sleep(step)
        echoed = prompt if "--v" in prompt else prompt + " --v 6.0"
        started = self.message(channel, self.bot(), f"**{echoed}** - <@{user}> (Waiting to start)", nonce=nonce, type=19, **where)
        await self.dispatch(s, "MESSAGE_CREATE", started)
        job_hash = str(uuid.uuid4())
        for i in range(1, self.args.mj_steps + 1):
            await asyncio.sleep(step)
            pct = int(100 * i / (self.args.mj_steps + 1))
            upd = dict(started, content=f"**{echoed}** - <@{user}> ({pct}%) (fast)", nonce=None,
                       edited_timestamp=time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime()),
                       attachments=[self.attachment(channel, "painter", echoed, job_hash, f"_{pct}")])
            await self.dispatch(s, "MESSAGE_UPDATE", upd)
        await asyncio.sleep(step)
        await self.dispatch(s, "MESSAGE_DELETE", {"id": started["id"], "channel_id": channel, **where})
        result = self.message(channel, self.bot(), f"**{echoed}** - <@{user}> {label}", **where,
                              attachments=[self.attachment(channel, "painter", echoed, job_hash)],
                              components=self.buttons(job_hash))
        self.jobs[job_hash] = {"prompt": echoed, "message": result["id"]}
        await self.dispatch(s, "MESSAGE_CREATE", result)
        self.emit("mj_finished", nonce=nonce, hash=job_hash, prompt=echoed)

    async def run_button(self, s: Session, channel: str, guild: Optional[str], nonce: str, custom_id: str) -> None:
        parts = custom_id.split("::")
        if len(parts) < 5 or parts[0] != "MJ" or parts[1] != "JOB" or parts[4] not in self.jobs:
            self.emit("mj_unknown_button", custom_id=custom_id)
            return
        action, index, job_hash = parts[2], parts[3], parts[4]
        prompt = self.jobs[job_hash]["prompt"]
        user = "402019850117365761"
        where = {"guild_id": guild} if guild else {}
        if action == "upsample":
            await asyncio.sleep(self.args.mj_step_ms / 1000)
            up = self.message(channel, self.bot(), f"**{prompt}** - Image #{index} <@{user}>", nonce=nonce, **where,
                              attachments=[self.attachment(channel, "painter", prompt, job_hash, f"_u{index}")])
            await self.dispatch(s, "MESSAGE_CREATE", up)
            self.emit("mj_upscaled", nonce=nonce, index=int(index))
        elif action == "variation":
            await self.run_grid(s, channel, guild, nonce, prompt, f"- Variations (Strong) by <@{user}> (fast)")
        else:
            await self.run_grid(s, channel, guild, nonce, prompt)

    # ----- REST ----------------------------------------------------------------

    async def serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                try:
                    method, target, _ = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
                except ValueError:
                    break
                headers: dict[str, str] = {}
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = h.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                n = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(n) if n else b""
                status, payload, ctype, extra = await self.route(method, target, headers, body)
                head = [f"HTTP/1.1 {status} {'OK' if status < 300 else 'Error'}", f"Content-Length: {len(payload)}"]
                if payload:
                    head.append(f"Content-Type: {ctype}")
                head += [f"{k}: {v}" for k, v in extra]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def route(self, method: str, target: str, headers: dict, body: bytes):
        def json_reply(status, value, extra=()):
            return status, dumps(value).encode(), "application/json", list(extra)
        path = target.split("?", 1)[0]
        if method == "GET" and path.startswith("/attachments/"):
            return 200, PNG, "image/png", []
        m = re.match(r"^/api/v(9|10)(/.*)$", path)
        if not m:
            return json_reply(404, {"message": "404: Not Found", "code": 0})
        route = m.group(2)
        auth = headers.get("authorization", "")
        token = auth[4:] if auth.startswith("Bot ") else auth
        self.emit("rest", method=method, path=route)
        if not self.check_token(token):
            return json_reply(401, {"message": "401: Unauthorized", "code": 0})
        if self.rest_429[0] > 0:
            self.rest_429[0] -= 1
            ra = self.rest_429[1]
            return json_reply(429, {"message": "You are being rate limited.", "retry_after": ra, "global": False},
                              [("Retry-After", str(max(1, int(ra)))), ("X-RateLimit-Scope", "user")])
        if method == "GET" and re.match(r"^/applications/\d+(/guilds/\d+)?/commands$", route):
            return json_reply(200, [
                {"id": IMAGINE_COMMAND, "application_id": MIDJOURNEY_BOT, "version": IMAGINE_VERSION, "default_member_permissions": None,
                 "type": 1, "nsfw": False, "name": "imagine", "description": "Create images with Midjourney", "dm_permission": True,
                 "options": [{"type": 3, "name": "prompt", "description": "The prompt to imagine", "required": True}]},
                {"id": "972289487818334209", "application_id": MIDJOURNEY_BOT, "version": "1166847114203123799", "type": 1,
                 "name": "info", "description": "View information about your profile."}])
        if method == "POST" and route == "/interactions":
            return await self.interaction(body, json_reply)
        return json_reply(404, {"message": "404: Not Found", "code": 0})

    async def interaction(self, body: bytes, json_reply):
        try:
            it = strict_json_loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            return json_reply(400, {"message": f"400: Bad Request ({e})", "code": 50109})
        bad = lambda why: json_reply(400, {"message": "Invalid Form Body", "code": 50035, "errors": why})  # noqa: E731
        if not isinstance(it, dict) or it.get("type") not in (2, 3):
            return bad("type")
        for key in ("application_id", "channel_id", "session_id", "nonce"):
            if not isinstance(it.get(key), str) or not it[key]:
                return bad(key)
        s = self.sessions.get(it["session_id"])
        if s is None:
            return bad("session_id: unknown session")
        data = it.get("data")
        if not isinstance(data, dict):
            return bad("data")
        channel, guild, nonce = it["channel_id"], it.get("guild_id"), it["nonce"]
        if it["type"] == 2:
            opts = data.get("options")
            if data.get("name") != "imagine" or data.get("id") != IMAGINE_COMMAND or not isinstance(opts, list) or not opts \
                    or not isinstance(opts[0], dict) or opts[0].get("name") != "prompt" or not isinstance(opts[0].get("value"), str):
                return bad("data: not an imagine command")
            self.emit("interaction", kind="imagine", nonce=nonce, prompt=opts[0]["value"])
            asyncio.get_running_loop().create_task(self.run_grid(s, channel, guild, nonce, opts[0]["value"]))
        else:
            if data.get("component_type") != 2 or not isinstance(data.get("custom_id"), str) or not isinstance(it.get("message_id"), str):
                return bad("data: not a button")
            self.emit("interaction", kind="button", nonce=nonce, custom_id=data["custom_id"])
            asyncio.get_running_loop().create_task(self.run_button(s, channel, guild, nonce, data["custom_id"]))
        return 204, b"", "", []

    # ----- the two servers ------------------------------------------------------

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        import signal
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.stop.set)
            except (NotImplementedError, RuntimeError):
                pass
        rest = await asyncio.start_server(self.serve_http, self.args.host, self.args.rest_port)
        self.rest_port = rest.sockets[0].getsockname()[1]
        ping = self.args.ping_interval if self.args.ping_interval and self.args.ping_interval > 0 else None
        async with websockets.serve(self._handler, self.args.host, self.args.port, process_request=self._process_request,
                                    max_size=self.args.max_size, ping_interval=ping, ping_timeout=ping,
                                    compression=None, ssl=peerlib.ssl_context(self.args)) as server:
            self.port = server.sockets[0].getsockname()[1]
            print(f"listening {self.args.host} {self.port} {self.rest_port}", flush=True)
            tasks = [] if self.args.no_stdin else [loop.create_task(self.read_stdin())]
            if self.args.lifetime and self.args.lifetime > 0:
                loop.call_later(self.args.lifetime, self.stop.set)
            await self.stop.wait()
            for t in tasks:
                t.cancel()
            for c in list(self.conns.values()):
                if not c.closed:
                    c.drop()
        rest.close()


if __name__ == "__main__":
    sys.exit(peerlib.main(DiscordPeer, default_max_size=4096))
