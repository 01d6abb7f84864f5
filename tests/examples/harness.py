"""Processes that speak JSON lines: the test peers and sluice-client.

Shared by the integration tests (tests/examples/test_client.py) and the demo
(examples/demo.py). Each process's stdout is read on a thread; every line is
kept (parsed as JSON when it is JSON) so a test can wait for the line it
expects and a transcript can show them as they come.

    with Processes() as ps:
        peer = ps.peer("discord", [PYTHON, peers / "discord_peer.py", "--events"])
        client = ps.client("discord", [client_exe, "discord", peer.ws_url(), "--token", "t"])
        client.expect("ready")
        peer.command({"cmd": "drop"})
        client.expect("reconnecting", resume=True)
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

PYTHON = "/usr/bin/python3"  # Debian's, with python3-websockets (not a pyenv one)
SOURCE = Path(os.environ.get("SLUICE_SOURCE", Path(__file__).resolve().parents[2]))
PEERS = SOURCE / "tests" / "peers"


class Failure(Exception):
    """A step did not happen as expected."""


def node() -> str:
    return shutil.which("node") or "node"


class Proc:
    """A child process with a JSON-lines stdout (and a stdin for commands)."""

    def __init__(self, name: str, argv: list, on_line: Optional[Callable[["Proc", Any], None]] = None,
                 env: Optional[dict] = None, cwd: Optional[str] = None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.on_line = on_line
        self.lines: list = []  # every stdout line: a dict for JSON objects, else the text
        self.log: list = []    # ("in" | "out" | "note", text): commands written, lines read, remarks; in order
        self.stderr: list[str] = []
        self.eof = False       # stdout is closed and every line of it read
        self.cond = threading.Condition()
        self.p = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, encoding="utf-8", bufsize=1, env=env, cwd=cwd, start_new_session=True)
        self._readers = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for t in self._readers:
            t.start()

    def _read_stdout(self) -> None:
        for raw in self.p.stdout:
            text = raw.rstrip("\n")
            try:
                obj = json.loads(text)
            except ValueError:
                obj = text
            with self.cond:
                self.lines.append(obj)
                self.log.append(("out", text))
                self.cond.notify_all()
            if self.on_line:
                self.on_line(self, obj)
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def _read_stderr(self) -> None:
        for raw in self.p.stderr:
            with self.cond:
                self.stderr.append(raw.rstrip("\n"))
                self.cond.notify_all()

    # ----- input -----------------------------------------------------------

    def send(self, obj: Any) -> None:
        """Writes one command line (a JSON value, or a string as it is)."""
        line = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        with self.cond:
            self.log.append(("in", line))
        try:
            self.p.stdin.write(line + "\n")
            self.p.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def note(self, text: str) -> None:
        """A remark for a transcript of this process's session."""
        with self.cond:
            self.log.append(("note", text))

    def close_stdin(self) -> None:
        if self.p.poll() is None and not self.p.stdin.closed:
            self.note("stdin ends")
        try:
            self.p.stdin.close()
        except (BrokenPipeError, ValueError):
            pass

    # ----- output ----------------------------------------------------------

    def wait_line(self, pred: Callable[[Any], bool], timeout: float = 10.0, start: int = 0, what: str = "") -> Any:
        """The first line from index `start` on that satisfies `pred`."""
        deadline = time.monotonic() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    if pred(self.lines[i]):
                        self.last_index = i
                        return self.lines[i]
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or (self.eof and i >= len(self.lines)):
                    break
                self.cond.wait(min(left, 0.1))
        tail = "\n    ".join(json.dumps(x, ensure_ascii=False)[:200] if not isinstance(x, str) else x for x in self.lines[-12:])
        err = "\n    ".join(self.stderr[-8:])
        raise Failure(f"{self.name}: no {what or 'matching line'} within {timeout} s"
                      f" (exit status {self.p.poll()})\n  last lines:\n    {tail}\n  stderr:\n    {err}")

    mark = 0        # where the next expect() starts looking
    last_index = 0  # the index of the line wait_line() returned last

    def expect(self, event: str, timeout: float = 10.0, since: Optional[int] = None, **fields) -> dict:
        """The next line (after the previous expect) {"event": event, ...} whose
        fields equal `fields` (a callable field value is a predicate)."""
        def match(x):
            if not isinstance(x, dict) or x.get("event") != event:
                return False
            for k, v in fields.items():
                if callable(v):
                    if k not in x or not v(x[k]):
                        return False
                elif x.get(k) != v:
                    return False
            return True
        desc = f'{{"event":"{event}"' + "".join(f', "{k}": {v!r}' for k, v in fields.items()) + "}"
        line = self.wait_line(match, timeout, self.mark if since is None else since, desc)
        self.mark = self.last_index + 1
        return line

    def count(self, event: str) -> int:
        with self.cond:
            return sum(1 for x in self.lines if isinstance(x, dict) and x.get("event") == event)

    def events(self, event: str) -> list:
        with self.cond:
            return [x for x in self.lines if isinstance(x, dict) and x.get("event") == event]

    def wait_exit(self, timeout: float = 10.0) -> int:
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"{self.name}: still running after {timeout} s\n  stderr: {self.stderr[-5:]}")

    def stderr_text(self) -> str:
        for t in self._readers:
            t.join(timeout=2)
        return "\n".join(self.stderr)

    def kill(self) -> None:
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.p.wait(3)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.p.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                self.p.wait(3)


class Peer(Proc):
    """A test peer: its first line is `listening HOST PORT [PORT2]`; it takes
    control commands on stdin and answers `{"reply": id, ...}`."""

    def __init__(self, name: str, argv: list, **kw):
        super().__init__(name, argv, **kw)
        first = self.wait_line(lambda x: isinstance(x, str) and x.startswith("listening "), 20, what="listening line")
        parts = first.split()
        self.host = parts[1]
        self.ports = [int(p) for p in parts[2:]]
        self.port = self.ports[0]
        self.next_id = 1000

    def command(self, cmd: dict, timeout: float = 10.0) -> dict:
        self.next_id += 1
        rid = self.next_id
        start = len(self.lines)
        self.send({"id": rid, **cmd})
        return self.wait_line(lambda x: isinstance(x, dict) and x.get("reply") == rid, timeout, start, f"reply to {cmd}")

    def expect_peer(self, event: str, timeout: float = 10.0, **fields) -> dict:
        return self.expect(event, timeout, **fields)

    def ws_url(self, path: str = "") -> str:
        return f"ws://{self.host}:{self.port}{path}"


class Processes:
    """Starts processes and kills whatever is left on exit."""

    def __init__(self, on_line: Optional[Callable[[Proc, Any], None]] = None):
        self.procs: list[Proc] = []
        self.on_line = on_line

    def peer(self, name: str, argv: list, **kw) -> Peer:
        p = Peer(name, argv, on_line=self.on_line, **kw)
        self.procs.append(p)
        return p

    def client(self, name: str, argv: list, **kw) -> Proc:
        p = Proc(name, argv, on_line=self.on_line, **kw)
        self.procs.append(p)
        return p

    def __enter__(self) -> "Processes":
        return self

    def __exit__(self, *exc) -> None:
        for p in self.procs:
            p.close_stdin()
        for p in reversed(self.procs):
            p.kill()


def discord_peer(ps: Processes, *extra) -> Peer:
    return ps.peer("discord-peer", [PYTHON, PEERS / "discord_peer.py", "--events", "--exit-on-eof", *extra])


def python_peer(ps: Processes, script: str, *extra) -> Peer:
    name = script.replace("_peer.py", "-peer").replace(".py", "")
    return ps.peer(name, [PYTHON, PEERS / script, "--events", "--exit-on-eof", *extra])


def node_peer(ps: Processes, script: str, *extra) -> Peer:
    return ps.peer(script.replace(".js", ""), [node(), PEERS / script, *extra])


def fail(msg: str) -> None:
    raise Failure(msg)


def check(cond: bool, msg: str) -> None:
    if not cond:
        raise Failure(msg)
