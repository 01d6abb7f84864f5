#!/usr/bin/python3
"""./run demo: a full session of every protocol, sluice-client against the
test peers of tests/peers/ on 127.0.0.1, as a readable transcript.

    demo.py SLUICE_CLIENT [--out DIR] [--markdown FILE]

Each section starts a peer and sluice-client, drives both (stdin commands to
the client, control commands to the peer) and shows what each side saw:
`client` lines are sluice-client's own JSON output; `peer` lines are what the
peer reports (connections, heartbeats, resumes). Every step is checked: the
demo stops with status 1 at the first one that does not happen.
--markdown writes each client's session (its command line, the commands it
read and the lines it wrote) as the README's "Sessions" section.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "examples"))
from harness import Failure, Peer, Processes, check, discord_peer, node_peer, python_peer  # noqa: E402

WIDTH = 150
T0 = time.monotonic()
PRINT = threading.Lock()  # lines come from one reader thread a process


def out(text: str) -> None:
    with PRINT:
        print(text, flush=True)


def stamp() -> str:
    return f"{time.monotonic() - T0:5.1f}s"


def clip(text: str) -> str:
    return text if len(text) <= WIDTH else text[:WIDTH - 1] + "…"


# What the peers report, shortened. None: not shown.
HIDDEN = {"frame", "reply", "close_sent", "test_command", "http"}


def peer_text(x: dict) -> str | None:
    ev = x.get("event")
    if ev is None or ev in HIDDEN:
        if ev == "frame" and (x.get("op") == 5 or x.get("f") == 120):
            return f"heartbeat from conn {x.get('conn')}"
        if ev == "frame" and isinstance(x.get("op"), str):
            return f"← {x['op']} (conn {x.get('conn')})"
        return None
    if ev == "dispatch":
        return None if x.get("delivered") else f"{x['t']} s={x['s']} stored for resume (no connection)"
    if ev == "heartbeat":
        return f"heartbeat d={x.get('d')} from conn {x.get('conn')} → {'ack' if x.get('acked') else 'no ack'}"
    if ev == "connected":
        q = "&".join(f"{k}={v}" for k, v in (x.get("query") or {}).items())
        return f"connection {x.get('conn', '')} opened: {x.get('path', '')}{'?' + q if q else ''}".replace("opened: ", "opened ")
    if ev == "resume":
        return f"resume of session {x['session'][:8]}… from s={x['seq']}: {x['replayed']} missed dispatch(es) replayed"
    rest = " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in x.items() if k not in ("event", "query"))
    return f"{ev} {rest}".strip()


def show(proc, line) -> None:
    if proc.name.startswith("peer") or proc.name.endswith("-peer") or "peer" in proc.name:
        if not isinstance(line, dict):
            return
        text = peer_text(line)
        if text:
            out(clip(f"  {stamp()}  peer     {text}"))
        return
    text = line if isinstance(line, str) else json.dumps(line, ensure_ascii=False, separators=(",", ":"))
    out(clip(f"  {stamp()}  {proc.name:<8} {text}"))


CURRENT: list = []  # the Processes of the running section (for notes in the sessions)


def say(text: str) -> None:
    out(f"  {stamp()}  demo     ── {text}")
    for ps in CURRENT:
        for p in ps.procs:
            if not isinstance(p, Peer) and p.p.poll() is None and not text.startswith("{"):
                p.note(text)


def section(title: str, command: list) -> None:
    out(f"\n━━ {title}")
    out("   $ sluice-client " + " ".join(str(c) for c in command[1:]))


def ended(c, status: int = 0) -> None:
    got = c.wait_exit(15)
    check(got == status, f"{c.name} exited with {got}, expected {status}: {c.stderr_text()}")
    say(f"{c.name} exited with status {got}")


# ---- the sections ----------------------------------------------------------------------------------

def websocket(ps, exe) -> None:
    peer = ps.peer("ws-peer", [sys.executable, Path(__file__).resolve().parents[1] / "tests" / "peers" / "ws_server.py"])
    argv = [exe, "ws", f"ws://127.0.0.1:{peer.port}/echo"]
    section("WebSocket: messages both ways, a close code from the server", argv)
    c = ps.client("client", argv)
    c.expect("open")
    c.send({"send": "hello, sluice ✓"})
    c.expect("message", text="hello, sluice ✓")
    c.send({"send_binary": "abc"})
    c.expect("message", binary=3)
    c.send({"send": "cmd:close:4001:bye"})
    c.expect("closed", code=4001)
    ended(c, 1)


def socketio(ps, exe) -> None:
    peer = node_peer(ps, "socketio_peer.js")
    argv = [exe, "socketio", f"ws://127.0.0.1:{peer.port}", "--namespace", "/", "--namespace", "/admin"]
    section("Socket.IO: two namespaces, an event echoed, an ack", argv)
    c = ps.client("client", argv)
    c.expect("connected", namespace="/")
    c.expect("connected", namespace="/admin", since=0)
    c.send({"emit": "echo", "args": ["hi", 42]})
    c.expect("socketio", name="echo")
    c.send({"emit": "ask", "args": [21], "ack": True})
    c.expect("ack", args=[{"doubled": 42}])
    c.close_stdin()
    c.expect("closed")
    ended(c)


def discord(ps, exe) -> None:
    peer = discord_peer(ps, "--heartbeat-interval", "1000", "--token", "demo-token")
    argv = [exe, "discord", peer.ws_url(), "--token", "demo-token"]
    section("Discord gateway: identify, heartbeats, dispatches, a dropped connection and the resume", argv)
    c = ps.client("client", argv)
    c.expect("ready")
    c.expect("dispatch", t="GUILD_CREATE")
    peer.expect("heartbeat", timeout=3)
    peer.command({"cmd": "message", "content": "hello from the demo"})
    c.expect("dispatch", t="MESSAGE_CREATE")
    say("the network drops the connection; a message is sent meanwhile")
    peer.command({"cmd": "message", "content": "sent while you were away", "drop": True})
    c.expect("reconnecting", resume=True)
    c.expect("dispatch", t="MESSAGE_CREATE", d=lambda d: d["content"] == "sent while you were away")
    c.expect("resumed")
    peer.expect("heartbeat", timeout=3)
    c.close_stdin()
    c.expect("closed")
    ended(c)


def midjourney(ps, exe) -> None:
    peer = discord_peer(ps, "--heartbeat-interval", "1000", "--token", "user-token", "--mj-step-ms", "250")
    argv = [exe, "midjourney", peer.ws_url(), "--token", "user-token", "--rest", f"http://127.0.0.1:{peer.ports[1]}",
            "--channel", "1097345283567484928", "--guild", "1011118430651756540"]
    section("Midjourney over Discord: /imagine as a REST interaction, progress on the gateway, the image URL", argv)
    c = ps.client("client", argv)
    c.expect("midjourney_ready")
    say('{"imagine":"a lighthouse at dawn"}')
    c.send({"imagine": "a lighthouse at dawn"})
    job = c.expect("job", state="submitted")["id"]
    c.expect("job", id=job, state="started")
    c.expect("job", id=job, state="progress")
    done = c.expect("job", id=job, state="finished")
    say(f"finished: {done['url']}")
    say(f'{{"upscale":2,"job":"{job}"}}')
    c.send({"upscale": 2, "job": job})
    up = c.expect("job", kind="upscale", state="submitted")["id"]
    done = c.expect("job", id=up, state="finished")
    say(f"upscaled: {done['url']}")
    c.close_stdin()
    c.expect("closed")
    ended(c)


def nightingale(ps, exe) -> None:
    peer = python_peer(ps, "nightingale_peer.py", "--password", "youshallnotpass")
    argv = [exe, "nightingale", peer.ws_url(), "--user-id", "1176290000000000001", "--password", "youshallnotpass", "--shards", "1"]
    section("Nightingale: ready, track events, a dropped connection resumed at /ws/resume/<session>", argv)
    c = ps.client("client", argv)
    c.expect("ready")
    peer.command({"cmd": "play", "guild_id": "1011118430651756540", "track": {"title": "Gymnopédie No.1", "artist": "Satie"},
                  "duration_ms": 400})
    c.expect("track", type="track_start")
    c.expect("track", type="track_end")
    say("the network drops the connection")
    peer.command({"cmd": "drop"})
    c.expect("reconnecting", resume=True)
    c.expect("resumed")
    c.close_stdin()
    c.expect("closed")
    ended(c)


def i386chat(ps, exe) -> None:
    peer = python_peer(ps, "i386chat_peer.py", "--hb-int", "800", "--token", "i386-token")
    argv = [exe, "i386chat", peer.ws_url("/"), "--token", "i386-token"]
    section("i386chat: present, heartbeats echoed, an execute, a dropped connection and a new present", argv)
    c = ps.client("client", argv)
    c.expect("ready")
    say('{"execute":"MESSAGE_CREATE","cnf":{"content":"hello, i386"}}')
    c.send({"execute": "MESSAGE_CREATE", "cnf": {"content": "hello, i386"}})
    c.expect("execute", t="MESSAGE_CREATE")
    peer.expect("frame", f=120, timeout=3)
    say("the network drops the connection (seed 002 has no resume: the client presents again)")
    peer.command({"cmd": "drop"})
    c.expect("reconnecting", resume=False)
    c.expect("ready")
    c.close_stdin()
    c.expect("closed")
    ended(c)


def singyeong(ps, exe) -> None:
    peer = python_peer(ps, "singyeong_peer.py", "--heartbeat-interval", "800")
    dsn = f"singyeong://workers@127.0.0.1:{peer.port}"
    wargv = [exe, "singyeong", dsn, "--client-id", "worker-1", "--metadata", "load=integer:3", "--echo"]
    section("신경 (singyeong): a worker with metadata answers a routed request; its connection drops, metadata is restored", wargv)
    worker = ps.client("worker", wargv)
    worker.expect("ready")
    aargv = [exe, "singyeong", dsn, "--client-id", "asker-1"]
    out("   $ sluice-client " + " ".join(str(a) for a in aargv[1:]))
    asker = ps.client("asker", aargv)
    asker.expect("ready")
    query = {"ops": [{"path": "/load", "op": "$lt", "to": {"value": 5}}], "selector": {"$min": "load"}}
    say('asker: {"request":{"job":1},"query":{"ops":[{"path":"/load","op":"$lt","to":{"value":5}}],...}}')
    asker.send({"request": {"job": 1}, "query": query})
    rid = asker.expect("requested")["id"]
    asker.expect("reply", id=rid)
    say("the worker's connection drops")
    conn = next(x["conn"] for x in peer.lines if isinstance(x, dict) and x.get("event") == "ready" and x.get("client_id") == "worker-1")
    peer.command({"cmd": "drop", "conn": conn})
    worker.expect("reconnecting")
    worker.expect("ready")
    asker.send({"request": {"job": 2}, "query": query})
    rid = asker.expect("requested")["id"]
    asker.expect("reply", id=rid)
    asker.close_stdin()
    worker.close_stdin()
    ended(asker)
    ended(worker)


def navigator(ps, exe, images: Path) -> None:
    peer = node_peer(ps, "navigator_peer.js", "--step-ms", "250")
    http_port, socket_port = peer.ports
    argv = [exe, "navigator", f"http://127.0.0.1:{http_port}", "--socket", f"ws://127.0.0.1:{socket_port}", "--out", images]
    section("BitJourney Navigator: HTTP API and Socket.IO events; a txt2img job ends with its image on disk", argv)
    c = ps.client("client", argv)
    c.expect("connected")
    c.send({"models": True})
    c.expect("models")
    say('{"txt2img":{"model_name":"cyberrealisticXL_v31","prompt":"Puppies in a basket"}}')
    c.send({"txt2img": {"model_name": "cyberrealisticXL_v31", "prompt": "Puppies in a basket"}})
    job = c.expect("job", state="submitted")["id"]
    c.expect("job", id=job, state="progress")
    c.expect("job", id=job, state="finished")
    img = c.expect("image", id=job, ready=True)
    check(Path(img["file"]).read_bytes().startswith(b"\x89PNG"), "the image is a PNG")
    say(f"image written: {img['file']} ({img['bytes']} bytes)")
    c.close_stdin()
    c.expect("closed")
    ended(c)


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    exe = os.path.abspath(sys.argv[1])
    images = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else Path("demo-images")
    images.mkdir(parents=True, exist_ok=True)
    print("sluice demo: sluice-client (examples/asio/) against the test peers (tests/peers/) on 127.0.0.1")
    steps = [("WebSocket", lambda ps: websocket(ps, exe)), ("Socket.IO", lambda ps: socketio(ps, exe)),
             ("Discord", lambda ps: discord(ps, exe)), ("Midjourney", lambda ps: midjourney(ps, exe)),
             ("Nightingale", lambda ps: nightingale(ps, exe)), ("i386chat", lambda ps: i386chat(ps, exe)),
             ("singyeong", lambda ps: singyeong(ps, exe)), ("Navigator", lambda ps: navigator(ps, exe, images.resolve()))]
    sessions: list = []
    for name, step in steps:
        try:
            with Processes(on_line=show) as ps:
                CURRENT[:] = [ps]
                step(ps)
                sessions += [(name, p) for p in ps.procs if not isinstance(p, Peer)]
        except Failure as e:
            out(f"\ndemo FAILED in {name}: {e}")
            return 1
    print(f"\ndemo passed: {len(steps)} sections in {time.monotonic() - T0:.1f} s")
    if "--markdown" in sys.argv:
        write_markdown(Path(sys.argv[sys.argv.index("--markdown") + 1]), sessions)
    return 0


def write_markdown(path: Path, sessions: list) -> None:
    """Each client's session: `$ sluice-client ...`, then `> command` lines
    (stdin) and the JSON lines it wrote (stdout), long ones shortened."""
    def short(text: str, limit: int = 140) -> str:
        return text if len(text) <= limit else text[:limit - 1] + "…"
    parts = []
    for name, p in sessions:
        argv = " ".join(a if " " not in a else f"'{a}'" for a in p.argv[1:])
        prefix = {"in": "> ", "out": "", "note": "# "}
        body = [f"$ sluice-client {argv}"] + [prefix[d] + short(t) for d, t in p.log]
        parts.append(f"{name}:\n\n```\n" + "\n".join(body) + "\n```\n")
    path.write_text("\n".join(parts), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
