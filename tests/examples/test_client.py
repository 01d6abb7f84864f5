#!/usr/bin/python3
"""Integration tests: sluice-client (examples/asio/) in every mode against the
test peers of tests/peers/, over real sockets on 127.0.0.1.

    test_client.py SLUICE_CLIENT [TEST...]      (all sluice-client tests when none is named)
    test_client.py SLUICE_LWS lws_discord lws_singyeong lws_tls lws_refused

Each gateway loses its connection and comes back (resume where the protocol
has one), fatal close codes end the client with a non-zero status, and TLS is
checked against a self-signed certificate made with openssl at run time.
Exit status 0 when every test passed.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (PEERS, PYTHON, Failure, Processes, check, discord_peer, node_peer,  # noqa: E402
                     python_peer)

CLIENT = ""
CHANNEL, GUILD = "1097345283567484928", "1011118430651756540"


def client(ps, name, mode, url, *opts):
    return ps.client(name, [CLIENT, mode, url, *opts])


def ends_with(status: int, c, timeout: float = 15) -> None:
    got = c.wait_exit(timeout)
    check(got == status, f"{c.name}: exit status {got}, expected {status}; stderr:\n{c.stderr_text()}")


# ---- ws --------------------------------------------------------------------------

def test_ws(ps):
    peer = ps.peer("ws-server", [PYTHON, PEERS / "ws_server.py"])
    c = client(ps, "ws", "ws", f"ws://127.0.0.1:{peer.port}/auth/x", "--header", "Authorization: Bearer sekret")
    c.expect("open")
    c.send({"send": "hello ✓"})
    c.expect("message", text="hello ✓")
    c.send({"send_binary": "abc"})
    c.expect("message", binary=3)
    c.send({"send": "cmd:whoami"})
    c.expect("message", text="Bearer sekret")
    c.send("not json")
    c.expect("error")
    c.send({"send": "cmd:close:4001:bye"})
    c.expect("closed", code=4001, reason="bye")
    ends_with(1, c)

    # Our own close, when stdin ends: status 0.
    c = client(ps, "ws-eof", "ws", f"ws://127.0.0.1:{peer.port}/")
    c.send({"send": "one"})
    c.expect("message", text="one")
    c.close_stdin()
    c.expect("closed", code=1000)
    ends_with(0, c)

    # A refused upgrade (401 without the header).
    c = client(ps, "ws-refused", "ws", f"ws://127.0.0.1:{peer.port}/auth/x")
    c.expect("closed", code=1006)
    ends_with(1, c)
    check("401" in c.stderr_text() or "refused" in c.stderr_text() or "failed" in c.stderr_text(), "the refusal is explained on stderr")


# ---- TLS -----------------------------------------------------------------------------

def make_cert(d: Path, name: str, san: str) -> None:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", d / f"{name}.key", "-out", d / f"{name}.pem", "-days", "1", "-subj", "/CN=sluice test",
                    "-addext", f"subjectAltName={san}"], check=True, capture_output=True)


def test_tls(ps):
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        make_cert(d, "local", "DNS:localhost,IP:127.0.0.1")
        make_cert(d, "other", "DNS:other.example")
        peer = ps.peer("tls-server", [PYTHON, PEERS / "tls_ws_peer.py", "--cert", d / "local.pem", "--key", d / "local.key"])
        url = f"wss://127.0.0.1:{peer.port}/"

        # Verification is on by default: a self-signed certificate is refused.
        c = client(ps, "tls-default", "ws", url)
        ends_with(1, c)
        check("certificate verify failed" in c.stderr_text(), f"stderr names the certificate: {c.stderr_text()}")
        check(peer.count("connected") == 0, "no upgrade went through")

        # --ca-file trusts it (by IP address, then by name with SNI).
        for u in (url, f"wss://localhost:{peer.port}/by-name"):
            c = client(ps, "tls-ca", "ws", u, "--ca-file", d / "local.pem")
            c.expect("open")
            c.send({"send": "over TLS"})
            c.expect("message", text="over TLS")
            c.close_stdin()
            ends_with(0, c)

        # A trusted certificate for another name is still refused.
        other = ps.peer("tls-other", [PYTHON, PEERS / "tls_ws_peer.py", "--cert", d / "other.pem", "--key", d / "other.key"])
        c = client(ps, "tls-name", "ws", f"wss://127.0.0.1:{other.port}/", "--ca-file", d / "other.pem")
        ends_with(1, c)
        check("certificate verify failed" in c.stderr_text(), f"host name mismatch refused: {c.stderr_text()}")


# ---- Socket.IO --------------------------------------------------------------------------

def test_socketio(ps):
    peer = node_peer(ps, "socketio_peer.js")
    c = client(ps, "socketio", "socketio", f"ws://127.0.0.1:{peer.port}", "--namespace", "/", "--namespace", "/admin",
               "--namespace", "/refused")
    c.expect("connected", namespace="/")
    c.expect("refused", namespace="/refused", since=0)
    c.expect("socketio", namespace="/admin", name="welcome", since=0)
    c.send({"emit": "echo", "args": [1, "two", {"three": 3}]})
    c.expect("socketio", name="echo", args=[1, "two", {"three": 3}])
    c.send({"emit": "ask", "args": [21], "ack": True})
    emitted = c.expect("emitted")
    c.expect("ack", id=emitted["id"], args=[{"doubled": 42}])
    c.send({"emit": "request-ack", "args": ["why?"]})
    q = c.expect("socketio", name="question")
    c.send({"answer": q["id"], "args": ["because"]})
    c.expect("socketio", name="answer", args=["because"])
    c.send({"emit": "binary-ack", "args": [], "ack": True, "namespace": "/admin"})
    c.expect("ack", namespace="/admin", attachments=[3])
    c.close_stdin()
    c.expect("closed")
    ends_with(0, c)


# ---- Discord ------------------------------------------------------------------------------

def test_discord(ps):
    peer = discord_peer(ps, "--heartbeat-interval", "700", "--token", "tok")
    c = client(ps, "discord", "discord", peer.ws_url(), "--token", "tok", "--intents", "513")
    ready = c.expect("ready", user="sluice-demo-bot")
    first_session = ready["session_id"]
    c.expect("dispatch", t="GUILD_CREATE", s=2)
    peer.expect("heartbeat", timeout=5, acked=True)
    peer.command({"cmd": "message", "content": "hello"})
    c.expect("dispatch", t="MESSAGE_CREATE", d=lambda d: d["content"] == "hello")

    # A dropped connection: resumed, and the dispatch missed meanwhile replayed.
    peer.command({"cmd": "message", "content": "while you were away", "drop": True})
    c.expect("reconnecting", resume=True)
    c.expect("dispatch", t="MESSAGE_CREATE", d=lambda d: d["content"] == "while you were away")
    c.expect("resumed")
    peer.expect("resume", replayed=1)

    # Op 7: reconnect and resume.
    peer.command({"cmd": "reconnect"})
    c.expect("reconnecting", resume=True)
    c.expect("resumed")

    # A zombie connection (acks withheld): the client closes and resumes by itself.
    peer.command({"cmd": "withhold_acks", "value": True})
    c.expect("reconnecting", resume=True, timeout=6)
    peer.command({"cmd": "withhold_acks", "value": False})
    c.expect("resumed")

    # Op 9 false: a new session (after Discord's 1-5 s wait).
    peer.command({"cmd": "invalid_session", "resumable": False})
    c.expect("reconnecting", resume=False)
    again = c.expect("ready", timeout=10)
    check(again["session_id"] != first_session, "a new session after op 9 false")

    # A raw gateway command, then a clean close.
    c.send({"send": {"op": 3, "d": {"since": None, "activities": [], "status": "idle", "afk": False}}})
    peer.expect("command", op=3)
    c.send({"close": 1000})
    c.expect("closed")
    ends_with(0, c)
    peer.expect("session_ended")


def test_discord_fatal(ps):
    peer = discord_peer(ps, "--token", "right")
    c = client(ps, "discord-fatal", "discord", peer.ws_url(), "--token", "wrong")
    c.expect("closed", code=4004)
    ends_with(1, c)
    check("4004" in c.stderr_text(), f"stderr gives the close code: {c.stderr_text()}")
    peer.expect("disconnected", code=4004)
    time.sleep(0.3)
    check(peer.count("connected") == 1, "no reconnect after 4004")

    c = client(ps, "discord-shard", "discord", peer.ws_url(), "--token", "right", "--shard", "1/4")
    c.expect("ready")
    peer.expect("identify", shard=[1, 4])
    c.close_stdin()
    ends_with(0, c)


def test_discord_zlib(ps):
    # --compress zlib-stream: the peer deflates every frame into one zlib stream
    # a connection, split into 64-byte binary messages (buffered to the suffix).
    peer = discord_peer(ps, "--heartbeat-interval", "700", "--token", "tok", "--zlib-chunk", "64")
    c = client(ps, "discord-zlib", "discord", peer.ws_url(), "--token", "tok", "--compress", "zlib-stream")
    peer.expect("connected", query=lambda q: q.get("compress") == "zlib-stream")
    c.expect("ready", user="sluice-demo-bot")
    c.expect("dispatch", t="GUILD_CREATE", s=2)
    peer.command({"cmd": "message", "content": "deflated ✓ " + "x" * 3000})
    c.expect("dispatch", t="MESSAGE_CREATE", d=lambda d: d["content"].startswith("deflated ✓ "))
    peer.expect("heartbeat", timeout=5, acked=True)
    # A dropped connection: the resume opens a new zlib stream (a new inflate context).
    peer.command({"cmd": "message", "content": "missed", "drop": True})
    c.expect("reconnecting", resume=True)
    c.expect("dispatch", t="MESSAGE_CREATE", d=lambda d: d["content"] == "missed")
    c.expect("resumed")
    peer.expect("connected", query=lambda q: q.get("compress") == "zlib-stream")
    c.close_stdin()
    c.expect("closed")
    ends_with(0, c)

    bad = client(ps, "discord-brotli", "discord", peer.ws_url(), "--token", "tok", "--compress", "brotli")
    ends_with(2, bad)
    check("--compress" in bad.stderr_text(), f"an unknown --compress is refused: {bad.stderr_text()}")


def test_discord_zstd(ps):
    # --compress zstd-stream: the peer compresses every frame into one zstd
    # frame a connection (ZSTD_e_flush a payload), split into 48-byte binary
    # messages (held until a payload's last block is in).
    peer = discord_peer(ps, "--heartbeat-interval", "700", "--token", "tok", "--zstd-chunk", "48")
    c = client(ps, "discord-zstd", "discord", peer.ws_url(), "--token", "tok", "--compress", "zstd-stream")
    peer.expect("connected", query=lambda q: q.get("compress") == "zstd-stream")
    c.expect("ready", user="sluice-demo-bot")
    c.expect("dispatch", t="GUILD_CREATE", s=2)
    peer.command({"cmd": "message", "content": "zstd ✓ " + "y" * 5000})
    c.expect("dispatch", t="MESSAGE_CREATE", d=lambda d: d["content"].startswith("zstd ✓ ") and len(d["content"]) == 5007)
    peer.expect("heartbeat", timeout=5, acked=True)
    # A dropped connection: the resume opens a new zstd stream (a new frame, the context reset).
    peer.command({"cmd": "message", "content": "missed", "drop": True})
    c.expect("reconnecting", resume=True)
    c.expect("dispatch", t="MESSAGE_CREATE", d=lambda d: d["content"] == "missed")
    c.expect("resumed")
    peer.expect("connected", query=lambda q: q.get("compress") == "zstd-stream")
    peer.command({"cmd": "message", "content": "after the resume"})
    c.expect("dispatch", t="MESSAGE_CREATE", d=lambda d: d["content"] == "after the resume")
    c.close_stdin()
    c.expect("closed")
    ends_with(0, c)


# ---- Midjourney ----------------------------------------------------------------------------------

def test_midjourney(ps):
    peer = discord_peer(ps, "--heartbeat-interval", "1000", "--token", "user-token", "--mj-step-ms", "80")
    rest = f"http://127.0.0.1:{peer.ports[1]}"
    c = client(ps, "midjourney", "midjourney", peer.ws_url(), "--token", "user-token", "--rest", rest, "--channel", CHANNEL,
               "--guild", GUILD)
    c.expect("ready")
    c.expect("midjourney_ready", since=0)

    c.send({"imagine": "a lighthouse at dawn"})
    job = c.expect("job", state="submitted")["id"]
    c.expect("job", id=job, state="started", prompt="a lighthouse at dawn --v 6.0")
    c.expect("job", id=job, state="progress")
    done = c.expect("job", id=job, state="finished")
    check(done["url"].startswith(rest + "/attachments/"), f"the image URL: {done['url']}")
    check(len(done["buttons"]) == 9 and done["hash"], "buttons U1-U4, reroll, V1-V4 and the job hash")

    c.send({"upscale": 2, "job": job})
    up = c.expect("job", kind="upscale", state="submitted")["id"]
    done = c.expect("job", id=up, state="finished")
    check("_u2" in done["url"], f"the upscaled image: {done['url']}")

    c.send({"imagine": "something banned"})
    bad = c.expect("job", state="submitted")["id"]
    failed = c.expect("job", id=bad, state="failed")
    check("Banned prompt" in failed["reason"], f"the reason: {failed['reason']}")

    # The gateway drops in the middle of a job: resumed, the job finishes.
    peer.command({"cmd": "set", "option": "mj_step_ms", "value": 300})
    c.send({"imagine": "a quiet harbor"})
    j = c.expect("job", state="submitted")["id"]
    c.expect("job", id=j, state="started")
    peer.command({"cmd": "drop"})
    c.expect("reconnecting", resume=True)
    c.expect("resumed")
    c.expect("job", id=j, state="finished", timeout=10)

    # A 429 on the interaction: retried after retry_after.
    peer.command({"cmd": "set", "option": "mj_step_ms", "value": 50})
    peer.command({"cmd": "rest_429", "count": 1, "retry_after": 0.3})
    c.send({"imagine": "patience"})
    j = c.expect("job", state="submitted")["id"]
    c.expect("job", id=j, state="finished", timeout=10)
    check(sum(1 for x in peer.lines if isinstance(x, dict) and x.get("event") == "rest" and x.get("path") == "/interactions") >= 5,
          "the refused interaction was sent again")

    c.close_stdin()
    c.expect("closed")
    ends_with(0, c)


# ---- Navigator -------------------------------------------------------------------------------

def test_navigator(ps):
    peer = node_peer(ps, "navigator_peer.js", "--step-ms", "60")
    http_port, socket_port = peer.ports
    with tempfile.TemporaryDirectory() as out:
        c = client(ps, "navigator", "navigator", f"http://127.0.0.1:{http_port}", "--socket", f"ws://127.0.0.1:{socket_port}",
                   "--out", out, "--owner", "tester")
        c.expect("connected")
        c.send({"models": True})
        models = c.expect("models")["models"]
        check(any(m["model_name"] == "cyberrealisticXL_v31" and m["known"] for m in models), f"models: {models}")
        c.send({"txt2img": {"model_name": "cyberrealisticXL_v31", "prompt": "Puppies", "steps": 20}})
        job = c.expect("job", state="submitted")["id"]
        c.expect("job", id=job, state="queued")
        c.expect("job", id=job, state="progress")
        c.expect("job", id=job, state="finished")
        img = c.expect("image", id=job, ready=True)
        data = Path(img["file"]).read_bytes()
        check(data.startswith(b"\x89PNG") and len(data) == img["bytes"], "the image was written")
        c.send({"txt2img": {"model_name": "cyberrealisticXL_v31", "prompt": "this will fail"}})
        bad = c.expect("job", state="submitted")["id"]
        c.expect("job", id=bad, state="failed")
        c.close_stdin()
        c.expect("closed")
        ends_with(0, c)


# ---- singyeong ---------------------------------------------------------------------------------

def test_singyeong(ps):
    peer = python_peer(ps, "singyeong_peer.py", "--heartbeat-interval", "800")
    dsn = f"singyeong://workers@127.0.0.1:{peer.port}"
    worker = client(ps, "sy-worker", "singyeong", dsn, "--client-id", "worker-1", "--metadata", "load=integer:3", "--echo")
    worker.expect("ready", client_id="worker-1")
    asker = client(ps, "sy-asker", "singyeong", dsn, "--client-id", "asker-1")
    asker.expect("ready")
    low_load = {"ops": [{"path": "/load", "op": "$lt", "to": {"value": 5}}], "selector": {"$min": "load"}}

    asker.send({"request": {"job": 1}, "query": low_load})
    rid = asker.expect("requested")["id"]
    worker.expect("message", type="SEND", payload={"job": 1}, sender="asker-1")
    asker.expect("reply", id=rid, payload={"echo": {"job": 1}, "by": "worker-1"})

    asker.send({"query_nodes": low_load})
    nid = asker.expect("requested")["id"]
    nodes = asker.expect("reply", id=nid)["nodes"]
    check([n["client_id"] for n in nodes] == ["worker-1"], f"nodes: {nodes}")

    # No match: no_route.
    asker.send({"request": 1, "query": {"ops": [{"path": "/load", "op": "$gt", "to": {"value": 100}}]}, "timeout": 5})
    bad = asker.expect("requested")["id"]
    asker.expect("request_failed", id=bad)

    # The worker's connection drops: it identifies again with its metadata.
    conn = next(x["conn"] for x in peer.lines if isinstance(x, dict) and x.get("event") == "ready" and x.get("client_id") == "worker-1")
    peer.command({"cmd": "drop", "conn": conn})
    worker.expect("reconnecting", resume=False)
    worker.expect("ready")
    asker.send({"request": {"job": 2}, "query": low_load})
    rid = asker.expect("requested")["id"]
    asker.expect("reply", id=rid, payload={"echo": {"job": 2}, "by": "worker-1"})

    asker.close_stdin()
    worker.close_stdin()
    ends_with(0, asker)
    ends_with(0, worker)


# ---- i386chat --------------------------------------------------------------------------------------

def test_i386chat(ps):
    peer = python_peer(ps, "i386chat_peer.py", "--hb-int", "700", "--token", "secret")
    c = client(ps, "i386chat", "i386chat", peer.ws_url("/"), "--token", "secret")
    first = c.expect("ready")
    c.send({"execute": "MESSAGE_CREATE", "cnf": {"content": "hello from sluice"}})
    c.expect("executed", s=1)
    c.expect("execute", t="MESSAGE_CREATE", cnf=lambda cnf: cnf["content"] == "hello from sluice")
    peer.expect("frame", f=120, timeout=5)  # heartbeats

    # No resume in seed 002: after a drop the client presents again.
    peer.command({"cmd": "drop"})
    c.expect("reconnecting", resume=False)
    again = c.expect("ready")
    check(again["session_id"] != first["session_id"], "a new session")
    c.send({"execute": "MESSAGE_CREATE", "cnf": {"content": "back"}})
    c.expect("execute", t="MESSAGE_CREATE", cnf=lambda cnf: cnf["content"] == "back")
    c.close_stdin()
    c.expect("closed")
    ends_with(0, c)

    # A refused token: 150 {c: 4005, d: true}, close 4005, exit 1.
    bad = client(ps, "i386chat-fatal", "i386chat", peer.ws_url("/"), "--token", "wrong")
    bad.expect("server_error", c=4005, d=True)
    bad.expect("closed", code=4005)
    ends_with(1, bad)


# ---- Nightingale ------------------------------------------------------------------------------------

def test_nightingale(ps):
    peer = python_peer(ps, "nightingale_peer.py", "--password", "pw")
    c = client(ps, "nightingale", "nightingale", peer.ws_url(), "--user-id", "1176290000000000001", "--password", "pw",
               "--shards", "1")
    session = c.expect("ready")["session"]
    peer.command({"cmd": "play", "guild_id": GUILD, "track": {"title": "Gymnopédie No.1"}, "duration_ms": 200})
    c.expect("track", type="track_start", title="Gymnopédie No.1", guild_id=GUILD)
    c.expect("track", type="track_end")
    peer.command({"cmd": "join", "guild_id": GUILD, "channel_id": "5", "shard": 0})
    fwd = c.expect("forward", shard=0)
    check(fwd["payload"]["op"] == 4, f"a Discord op 4 to pass on: {fwd}")

    # A dropped connection: resumed at /ws/resume/<session>.
    peer.command({"cmd": "drop"})
    c.expect("reconnecting", resume=True)
    resumed = c.expect("resumed")
    check(resumed["session"] == session, "the same session")
    peer.expect("connected", path=f"/ws/resume/{session}")
    c.send({"send": {"op": "update_voice_state",
                     "data": {"guild_id": GUILD, "user_id": "1176290000000000001", "session_id": "abc", "channel_id": "5"}}})
    peer.expect("frame", op="update_voice_state")

    # The next resume is refused (409 session taken): byte mode reads the HTTP
    # status, says so, and connects fresh at once (no second resume).
    peer.command({"cmd": "refuse_resume", "status": 409})
    peer.command({"cmd": "drop"})
    c.expect("reconnecting", resume=True)
    c.expect("reconnecting", resume=False, reason=lambda r: "409" in r)
    fresh = c.expect("ready")
    check(fresh["session"] != session, "a new session after the refused resume")
    check(c.count("resumed") == 1, "one resume only")
    c.close_stdin()
    c.expect("closed")
    ends_with(0, c)

    # A wrong password: 401 to the upgrade is fatal at once.
    bad = client(ps, "nightingale-401", "nightingale", peer.ws_url(), "--user-id", "1", "--password", "wrong")
    bad.expect("closed", reason=lambda r: "401" in r)
    ends_with(1, bad)
    check("401" in bad.stderr_text(), f"stderr gives the status: {bad.stderr_text()}")


# ---- the libwebsockets example (message mode): CLIENT is sluice-lws here ---------------------------

def test_lws_discord(ps):
    peer = discord_peer(ps, "--heartbeat-interval", "500", "--token", "tok")
    c = client(ps, "lws-discord", "discord", peer.ws_url(), "--token", "tok", "--seconds", "6")
    c.expect("ready")
    c.expect("dispatch", t="GUILD_CREATE")
    peer.command({"cmd": "message", "content": "missed", "drop": True})
    c.expect("reconnecting", resume=True)
    c.expect("dispatch", t="MESSAGE_CREATE", d=lambda d: d["content"] == "missed")
    c.expect("resumed")
    peer.command({"cmd": "withhold_acks", "value": True})  # a zombie: lws timers drive the heartbeats
    c.expect("reconnecting", resume=True, timeout=5)
    peer.command({"cmd": "withhold_acks", "value": False})
    c.expect("resumed")
    c.expect("closed", timeout=10)  # --seconds: a clean close
    ends_with(0, c)
    bad = client(ps, "lws-fatal", "discord", peer.ws_url(), "--token", "nope")
    bad.expect("closed", code=4004)
    ends_with(1, bad)


def test_lws_refused(ps):
    # An upgrade answered with another status than 101 reaches the protocol with its
    # status: 503 is retried after the backoff, 401 stops the session at once.
    peer = ps.peer("ws-server", [PYTHON, PEERS / "ws_server.py"])
    c = client(ps, "lws-refused-503", "discord", f"ws://127.0.0.1:{peer.port}/status/503", "--token", "tok", "--seconds", "1.5")
    c.expect("reconnecting", resume=False, reason="the transport could not be opened (HTTP 503)")
    c.expect("closed", reason="the session was closed by the user", timeout=10)
    ends_with(0, c)
    check("HTTP 503" in c.stderr_text(), f"stderr gives the status: {c.stderr_text()}")
    c = client(ps, "lws-refused-401", "discord", f"ws://127.0.0.1:{peer.port}/status/401", "--token", "tok")
    c.expect("closed", reason="the transport could not be opened (HTTP 401)")
    ends_with(1, c)
    check(c.count("reconnecting") == 0, "no retry after 401")


def test_lws_tls(ps):
    # sluice-lws over wss:// against the Discord peer with a self-signed certificate
    # (made like test_tls's): refused by default, trusted with --ca-file, names checked.
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        make_cert(d, "local", "DNS:localhost,IP:127.0.0.1")
        make_cert(d, "other", "DNS:other.example")
        peer = discord_peer(ps, "--heartbeat-interval", "500", "--token", "tok", "--cert", d / "local.pem", "--key", d / "local.key")
        url = f"wss://127.0.0.1:{peer.port}"

        # Verification is on by default: no connection gets through; --seconds ends the retries.
        c = client(ps, "lws-tls-default", "discord", url, "--token", "tok", "--seconds", "1.5")
        ends_with(0, c)
        check(c.count("ready") == 0, "no session over an untrusted certificate")
        check("self-signed certificate" in c.stderr_text(), f"stderr names the certificate: {c.stderr_text()}")
        check(peer.count("connected") == 0, "no upgrade went through")

        # --ca-file trusts it, by IP address and by name (SNI); a dropped connection resumes over TLS.
        for u in (url, f"wss://localhost:{peer.port}"):
            c = client(ps, "lws-tls-ca", "discord", u, "--token", "tok", "--ca-file", d / "local.pem", "--seconds", "5")
            c.expect("ready")
            c.expect("dispatch", t="GUILD_CREATE")
            peer.command({"cmd": "message", "content": "over TLS", "drop": True})
            c.expect("reconnecting", resume=True)
            c.expect("dispatch", t="MESSAGE_CREATE", d=lambda m: m["content"] == "over TLS")
            c.expect("resumed")
            c.expect("closed", timeout=10)
            ends_with(0, c)

        # A trusted certificate for another name is still refused.
        other = discord_peer(ps, "--token", "tok", "--cert", d / "other.pem", "--key", d / "other.key")
        c = client(ps, "lws-tls-name", "discord", f"wss://127.0.0.1:{other.port}", "--token", "tok", "--ca-file", d / "other.pem",
                   "--seconds", "1.5")
        ends_with(0, c)
        check(c.count("ready") == 0, "no session with a certificate for another name")
        check(other.count("connected") == 0, "no upgrade went through (name mismatch)")


def test_lws_singyeong(ps):
    peer = python_peer(ps, "singyeong_peer.py", "--heartbeat-interval", "500")
    c = client(ps, "lws-singyeong", "singyeong", f"singyeong://app@127.0.0.1:{peer.port}", "--client-id", "lws-1", "--seconds", "4")
    c.expect("ready")
    peer.command({"cmd": "dispatch", "t": "SEND", "d": {"target": None, "nonce": None, "payload": {"hello": "lws"}}})
    c.expect("message", type="SEND", payload={"hello": "lws"})
    peer.command({"cmd": "drop"})
    c.expect("reconnecting", resume=False)
    c.expect("ready")
    c.expect("closed", timeout=10)
    ends_with(0, c)


def test_help(ps):
    out = subprocess.run([CLIENT, "--help"], capture_output=True, text=True, timeout=10)
    check(out.returncode == 0, "--help exits 0")
    for mode in ("ws", "socketio", "discord", "midjourney", "nightingale", "i386chat", "singyeong", "navigator"):
        check(f"\n  {mode} <" in out.stdout, f"--help documents {mode}")
    bad = subprocess.run([CLIENT, "gopher", "ws://127.0.0.1:1/"], capture_output=True, text=True, timeout=10)
    check(bad.returncode == 2 and "unknown mode" in bad.stderr, "an unknown mode exits 2")
    bad = subprocess.run([CLIENT, "discord", "ws://127.0.0.1:1/"], capture_output=True, text=True, timeout=10)
    check(bad.returncode == 2 and "--token" in bad.stderr, "a missing --token exits 2")


TESTS = {
    "help": test_help, "ws": test_ws, "tls": test_tls, "socketio": test_socketio, "discord": test_discord,
    "discord_fatal": test_discord_fatal, "discord_zlib": test_discord_zlib, "discord_zstd": test_discord_zstd, "midjourney": test_midjourney, "navigator": test_navigator,
    "singyeong": test_singyeong, "i386chat": test_i386chat, "nightingale": test_nightingale, "lws_refused": test_lws_refused,
    "lws_discord": test_lws_discord, "lws_singyeong": test_lws_singyeong, "lws_tls": test_lws_tls,
}


def main() -> int:
    global CLIENT
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    CLIENT = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or [n for n in TESTS if not n.startswith("lws_")]
    failed = 0
    for name in names:
        start = time.monotonic()
        try:
            with Processes() as ps:
                TESTS[name](ps)
            print(f"ok   {name} ({time.monotonic() - start:.1f} s)", flush=True)
        except Exception as e:  # noqa: BLE001 - report every kind of failure and go on
            failed += 1
            print(f"FAIL {name}: {e}", flush=True)
            if not isinstance(e, Failure):
                traceback.print_exc()
    print(f"{len(names) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
