// A Navigator-like test peer (BitJourney Navigator, seed 004): the HTTP API
// on one port and a Socket.IO server (the real `socket.io` npm package) on
// another, with jobs that progress and finish or fail. Used by sluice's
// navigator integration tests, the examples and the demo.
//
//   node navigator_peer.js [--http-port 0] [--socket-port 0] [--step-ms 100]
//                          [--steps 4] [--auth TOKEN] [--noise] [--ping-interval MS]
//
// stdout: first line `listening 127.0.0.1 HTTP_PORT SOCKET_PORT`, then one
// JSON object a line for each request and job transition. Exits when stdin
// closes.
//
// HTTP API (as the seed describes it):
//   GET  /api/models            {"models":[...]} (two known models, one unknown)
//   POST /api/queue/txt2img     queues a job (JSON body; model_name, prompt and owner_id
//                               required, else 400); answers the queued job
//   GET  /api/images/:job_id    image/png once the job finished, else 404
//   GET  /api/previews/:job_id  image/png once the job made progress, else 404
// With --auth TOKEN every request (and the Socket.IO handshake) needs
// "Authorization: TOKEN", else 401 (the handshake is refused).
//
// Socket.IO events (namespace "/", to every client): "connected" on
// connection; per job model-changed (when the model changes), task-started,
// `--steps` task-progress events `--step-ms` apart, then task-finished. The
// prompt steers a job:
//   contains "fail"       task-failed {"code":"ECONNREFUSED","fatal":true} after the first progress
//   contains "interrupt"  task-interrupted after the first progress
//   contains "silent"     no events at all (the client's job timeout fires)
//   contains "early"      the HTTP answer is held until task-started and one
//                         task-progress have been emitted (events before the answer)
//   contains "reject"     400 {"error":"rejected"}
// With --noise every job is shadowed by another client's job (other job ids).
"use strict";

const http = require("http");
const crypto = require("crypto");
const { Server } = require("socket.io");

function arg(name, fallback) {
    const i = process.argv.indexOf("--" + name);
    if (i < 0) return fallback;
    const v = process.argv[i + 1];
    return v === undefined || v.startsWith("--") ? true : v;
}
const stepMs = Number(arg("step-ms", 100));
const steps = Number(arg("steps", 4));
const auth = arg("auth", null);
const noise = arg("noise", false) === true;

function report(obj) {
    process.stdout.write(JSON.stringify(obj) + "\n");
}

// A valid 1x1 PNG; each image gets the job id appended after IEND so that
// tests can tell images apart (decoders ignore trailing bytes).
const PNG = Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
function png(tag) {
    return Buffer.concat([PNG, Buffer.from(tag)]);
}

const models = [
    { config: null, filename: "/stable-diffusion-webui/models/Stable-diffusion/cyberrealisticXL_v31.safetensors",
      friendly_name: "CyberRealistic XL", hash: "95d17e744f", id: 1, is_restricted: false, known: true,
      model_name: "cyberrealisticXL_v31", sha256: "95d17e744fba748e6d0c55126e60c794fc9c26e563dbf9c98feead78c3731e78",
      title: "cyberrealisticXL_v31.safetensors [95d17e744f]" },
    { config: null, filename: "/stable-diffusion-webui/models/Stable-diffusion/incursiosMemeDiffusion_v27PDXL.safetensors",
      friendly_name: "Incursios Meme Diffusion", hash: "5e37c6849c", id: 2, is_restricted: true, known: true,
      model_name: "incursiosMemeDiffusion_v27PDXL", sha256: "5e37c6849c2447e9ab180f0de8bd2dc3b4e8ff12460d5cc88e10c438b2712b32",
      title: "incursiosMemeDiffusion_v27PDXL.safetensors [5e37c6849c]" },
    { config: null, filename: "/stable-diffusion-webui/models/Stable-diffusion/mystery.safetensors", hash: null,
      model_name: "mystery", sha256: null, title: "mystery.safetensors", known: false },
];

const jobs = new Map(); // job_id -> {finished, preview}
let currentModel = "cyberrealisticXL_v31";
let io = null;

function authorized(req) {
    return !auth || req.headers["authorization"] === auth;
}

function send(res, status, type, body) {
    res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
    res.end(body);
}

function runJob(job, answer) {
    const base = { model_name: job.model_name, prompt: job.prompt, owner_id: job.owner_id, job_id: job.job_id,
                   width: job.width, height: job.height, steps: job.steps, seed: job.seed, task_type: "txt2img" };
    let taskEvents = 0;
    const emit = (name, extra) => {
        ++taskEvents;
        const payload = Object.assign({}, base, extra);
        report({ event: "emit", name, job_id: job.job_id });
        io.emit(name, payload);
    };
    const events = [];
    if (job.model_name !== currentModel) {
        currentModel = job.model_name;
        events.push(() => io.emit("model-changed", { model_name: job.model_name, job_id: job.job_id }));
    }
    events.push(() => emit("task-started", { queue_size: 1, status: "started" }));
    for (let i = 1; i <= steps; ++i) {
        events.push(() => {
            jobs.get(job.job_id).preview = true;
            const current = Math.round((i * job.steps) / steps);
            emit("task-progress", { status: "processing", progress: i / steps, eta_relative: ((steps - i) * stepMs) / 1000,
                                    current_step: current, total_steps: job.steps, progress_path: `/api/previews/${job.job_id}` });
        });
        if (i === 1 && job.prompt.includes("fail")) {
            events.push(() => emit("task-failed", { status: "failed", error: { code: "ECONNREFUSED", fatal: true } }));
            break;
        }
        if (i === 1 && job.prompt.includes("interrupt")) {
            events.push(() => emit("task-interrupted", { status: "interrupted" }));
            break;
        }
        if (i === steps) {
            events.push(() => {
                jobs.get(job.job_id).finished = true;
                emit("task-finished", { status: "finished", img_path: `/api/images/${job.job_id}` });
            });
        }
    }
    // Events go out `stepMs` apart; an "early" job's HTTP answer waits until
    // task-started and the first task-progress are out.
    const early = job.prompt.includes("early");
    let answered = false;
    const maybeAnswer = (force) => {
        if (!answered && answer && (force || !early || taskEvents >= 2)) {
            answered = true;
            answer();
        }
    };
    let k = 0;
    const next = () => {
        if (k < events.length) events[k++]();
        maybeAnswer(k >= events.length);
        if (k < events.length) setTimeout(next, early ? 20 : stepMs);
    };
    maybeAnswer(false);
    setTimeout(next, early ? 20 : stepMs);
}

function queue(req, res, body) {
    let r;
    try { r = JSON.parse(body); } catch (e) { return send(res, 400, "application/json", JSON.stringify({ error: "bad json" })); }
    report({ event: "queue", body: r });
    if (!r.model_name || !r.prompt || !r.owner_id || (r.prompt || "").includes("reject"))
        return send(res, 400, "application/json", JSON.stringify({ error: "rejected" }));
    const job = {
        job_id: r.job_id || crypto.randomBytes(4).toString("hex"), model_name: r.model_name, prompt: r.prompt,
        owner_id: r.owner_id, width: r.width ?? 512, height: r.height ?? 512, steps: r.steps ?? 50, seed: r.seed ?? -1,
    };
    jobs.set(job.job_id, { finished: false, preview: false });
    const answer = () => send(res, 200, "application/json", JSON.stringify({
        height: job.height, job_id: job.job_id, model_name: job.model_name, owner_id: job.owner_id, prompt: job.prompt,
        queue_size: 1, seed: job.seed, status: "queued", steps: job.steps, task_type: "txt2img", width: job.width }));
    if (job.prompt.includes("silent")) return answer();
    runJob(job, answer);
    if (noise) {
        const other = Object.assign({}, job, { job_id: "other-" + crypto.randomBytes(4).toString("hex"), owner_id: "someone else" });
        jobs.set(other.job_id, { finished: false, preview: false });
        runJob(other, null);
    }
}

const api = http.createServer((req, res) => {
    report({ event: "http", method: req.method, url: req.url, authorization: req.headers["authorization"] || null });
    if (!authorized(req)) return send(res, 401, "application/json", JSON.stringify({ error: "unauthorized" }));
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
        let m;
        if (req.method === "GET" && req.url === "/api/models") return send(res, 200, "application/json", JSON.stringify({ models }));
        if (req.method === "POST" && req.url === "/api/queue/txt2img") return queue(req, res, body);
        if (req.method === "GET" && (m = req.url.match(/^\/api\/(images|previews)\/([^/?]+)$/))) {
            const id = decodeURIComponent(m[2]);
            const j = jobs.get(id);
            const ready = j && (m[1] === "images" ? j.finished : j.preview);
            if (!ready) return send(res, 404, "application/json", JSON.stringify({ error: "not found" }));
            return send(res, 200, "image/png", png(`${m[1]}:${id}`));
        }
        send(res, 404, "application/json", JSON.stringify({ error: "no such endpoint" }));
    });
});

const socketServer = http.createServer();
io = new Server(socketServer, {
    transports: ["websocket"],
    pingInterval: Number(arg("ping-interval", 25000)),
    allowRequest: (req, cb) => cb(null, authorized(req)),
});
io.on("connection", (socket) => {
    report({ event: "connection", id: socket.id });
    socket.emit("connected", { message: "Connected to Navigator" });
});

api.listen(Number(arg("http-port", 0)), "127.0.0.1", () => {
    socketServer.listen(Number(arg("socket-port", 0)), "127.0.0.1", () => {
        process.stdout.write(`listening 127.0.0.1 ${api.address().port} ${socketServer.address().port}\n`);
    });
});

process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
