// A WebSocket echo server on the npm `ws` package (pinned by
// tests/package.json), for sluice's interop tests (tests/ws/interop.cpp).
//
//   node ws_server.js
//
// stdout: one line `listening 127.0.0.1 PORT` (a free port). Exits when stdin closes.
// The same commands as ws_server.py:
//   cmd:ping:DATA          send a ping with DATA; when its pong arrives, send "pong-received:DATA"
//   cmd:close:CODE:REASON  close the connection with CODE and REASON
//   cmd:fragments          send the text "fragmented ✓" as three fragments
//   cmd:fragments-binary   send the bytes 00 01 02 as three fragments (one empty)
//   cmd:whoami             send back the Authorization header of the upgrade
// Paths under /auth need "Authorization: Bearer sekret", else the upgrade gets 401.
"use strict";

const { WebSocketServer } = require("ws");

const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    maxPayload: 4 << 20,
    perMessageDeflate: false,
    verifyClient: (info, done) => {
        if (info.req.url.startsWith("/auth") && info.req.headers.authorization !== "Bearer sekret")
            done(false, 401, "Unauthorized", { "WWW-Authenticate": "Bearer" });
        else done(true);
    },
});

wss.on("listening", () => console.log(`listening 127.0.0.1 ${wss.address().port}`));

wss.on("connection", (ws, req) => {
    ws.on("message", (data, isBinary) => {
        const text = isBinary ? null : data.toString();
        if (text === null || !text.startsWith("cmd:")) {
            ws.send(data, { binary: isBinary });
            return;
        }
        const parts = text.split(":");
        const cmd = parts[1];
        if (cmd === "ping") ws.ping(parts.slice(2).join(":"));
        else if (cmd === "close") ws.close(Number(parts[2]), parts.slice(3).join(":"));
        else if (cmd === "fragments") {
            ws.send("frag", { fin: false });
            ws.send("ment", { fin: false });
            ws.send("ed ✓", { fin: true });
        } else if (cmd === "fragments-binary") {
            ws.send(Buffer.from([0, 1]), { binary: true, fin: false });
            ws.send(Buffer.alloc(0), { binary: true, fin: false });
            ws.send(Buffer.from([2]), { binary: true, fin: true });
        } else if (cmd === "whoami") ws.send(req.headers.authorization || "");
    });
    ws.on("pong", (data) => ws.send("pong-received:" + data.toString()));
});

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
