// A scripted Socket.IO v5 server on the real `socket.io` npm package (4.8.x,
// pinned by tests/package.json), for sluice's interop tests.
//
//   node socketio_peer.js [--port 0] [--ping-interval MS] [--ping-timeout MS]
//
// stdout: first line `listening 127.0.0.1 PORT`; then, for each thing the
// server sees, one JSON line {"event": ..., ...} (the tests read them to
// check what arrived). Exits when stdin closes.
//
// Namespaces "/" and "/admin" accept any client whose auth is not
// {"token":"refuse"}; "/refused" refuses everyone (CONNECT_ERROR with
// message "not authorized" and data {"reason":"refused by test"}).
// Behaviour, driven by the client's events:
//   on connection         emit "welcome" {nsp, auth, id}
//   "echo" (...args)      emit "echo" with the same args (Buffers stay binary);
//                         if the last arg is an ack callback, call it with the args too
//   "ask" (n, ack)        ack({doubled: n * 2})
//   "request-ack" (x)     emit "question" (x) with an ack; the answer comes back as "answer"
//   "binary" (meta, buf)  emit "binary-echo" (meta, buf, Buffer [1,2,3])
//   "binary-ack" (ack)    ack("bin", Buffer [9,8,7])
//   "kick"                disconnect this namespace only
//   "kick-all"            disconnect every namespace and close the connection
"use strict";

const http = require("http");
const { Server } = require("socket.io");

function option(name, fallback) {
    const i = process.argv.indexOf("--" + name);
    return i > 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}

function report(obj) {
    process.stdout.write(JSON.stringify(obj) + "\n");
}

// JSON-friendly view of event arguments (Buffers as {"binary": [bytes]}).
function plain(args) {
    return args.map((a) => (Buffer.isBuffer(a) ? { binary: Array.from(a) } : a));
}

const httpServer = http.createServer();
const io = new Server(httpServer, {
    pingInterval: option("ping-interval", 25000),
    pingTimeout: option("ping-timeout", 20000),
    transports: ["websocket"],
    connectTimeout: 5000,
});

function setup(nsp) {
    nsp.use((socket, next) => {
        const auth = socket.handshake.auth || {};
        if (nsp.name === "/refused" || auth.token === "refuse") {
            const err = new Error("not authorized");
            err.data = { reason: "refused by test" };
            report({ event: "refused", nsp: nsp.name, auth });
            return next(err);
        }
        next();
    });
    nsp.on("connection", (socket) => {
        const auth = socket.handshake.auth || {};
        report({ event: "connection", nsp: nsp.name, auth, id: socket.id });
        socket.emit("welcome", { nsp: nsp.name, auth, id: socket.id });
        socket.onAny((name, ...args) => {
            report({ event: "received", nsp: nsp.name, name, args: plain(args.filter((a) => typeof a !== "function")) });
        });
        socket.on("echo", (...args) => {
            const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
            socket.emit("echo", ...args);
            if (ack) ack(...args);
        });
        socket.on("ask", (n, ack) => {
            if (typeof ack === "function") ack({ doubled: n * 2 });
        });
        socket.on("request-ack", (x) => {
            socket.emit("question", x, (...answer) => {
                report({ event: "answered", nsp: nsp.name, args: plain(answer) });
                socket.emit("answer", ...answer);
            });
        });
        socket.on("binary", (meta, buf) => {
            socket.emit("binary-echo", meta, buf, Buffer.from([1, 2, 3]));
        });
        socket.on("binary-ack", (ack) => {
            if (typeof ack === "function") ack("bin", Buffer.from([9, 8, 7]));
        });
        socket.on("kick", () => socket.disconnect());
        socket.on("kick-all", () => socket.disconnect(true));
        socket.on("disconnect", (reason) => report({ event: "disconnect", nsp: nsp.name, reason }));
    });
}
setup(io.of("/"));
setup(io.of("/admin"));
setup(io.of("/refused"));

httpServer.listen(option("port", 0), "127.0.0.1", () => {
    process.stdout.write(`listening 127.0.0.1 ${httpServer.address().port}\n`);
});

process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
