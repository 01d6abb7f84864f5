// sluice-client: sluice's protocol machines on the command line, over the
// Boost.Asio driver (driver.hpp). One JSON object a line out (events), one
// JSON object a line in (commands). See help_text below, or --help.
#include <cstdio>
#include <string>
#include <string_view>

#include "modes.hpp"
#include "options.hpp"

namespace {

constexpr std::string_view help_text = R"(usage: sluice-client <mode> <url> [options]

Runs one sluice protocol machine over TCP/TLS. Events are written to stdout,
one JSON object a line, always with a string key "event"; diagnostics go to
stderr. Commands are read from stdin, one JSON object a line; they wait until
the session is ready. When stdin ends, the client closes the session cleanly
once nothing a command started is pending (a job, a request, an ack).
Exit status: 0 after a clean close, 1 after a fatal error (the reason on
stderr), 2 for bad arguments. Errors in a command are reported as
{"event":"error","message":...,"command":...} and the session carries on.

common options
  --ca-file PATH        trust the certificates in PATH (PEM) instead of the
                        system's roots (wss://, https://). Certificates are
                        always verified, with SNI and the host name checked.
  --verbose             log socket events (connect, close) on stderr
  --help                this text

modes
  ws <ws[s]://host[:port]/path>
      A WebSocket connection.
      options   --header "Name: value"     an extra upgrade header (repeatable)
      events    {"event":"open","url":...}
                {"event":"message","text":"..."}   or {"event":"message","binary":SIZE}
                {"event":"closed","code":N,"reason":"..."}
      commands  {"send":"text"}  {"send_binary":"bytes"}  {"close":N[,"reason":"..."]}
      exit 0 after a close with 1000/1001 or one we asked for.

  socketio <ws[s]://host[:port]>
      Socket.IO v5 over Engine.IO v4 (WebSocket transport, /socket.io/).
      options   --namespace NSP            join NSP (repeatable; default "/")
                --auth JSON                the CONNECT payload for every namespace
                --header "Name: value"     an extra upgrade header (repeatable)
      events    {"event":"connected","namespace":...,"sid":...}
                {"event":"refused","namespace":...,"data":...}
                {"event":"socketio","namespace":...,"name":...,"args":[...]}
                  with "id":N when the server waits for an answer, and
                  "attachments":[sizes] for binary events
                {"event":"emitted","id":N}    an emit with "ack":true went out
                {"event":"ack","id":N,"namespace":...,"args":[...]}  (or "error")
                {"event":"disconnected","namespace":...,"reason":...}
                {"event":"reconnecting","reason":...}  {"event":"closed","reason":...}
      commands  {"emit":"name","args":[...]}   optional "namespace":"/x" (default: the
                first --namespace) and "ack":true (the answer comes as an "ack" event)
                {"answer":N,"args":[...]}      answer the server's event N
                {"close":true}

  discord <ws[s]://gateway>
      The Discord gateway (v10, JSON): identify, heartbeats with zombie
      detection, resume or re-identify as the protocol says.
      options   --token TOKEN  --intents N  --shard ID/COUNT
                --compress zlib-stream     Discord's transport compression (one zlib
                                           stream a connection, binary messages)
                --compress zstd-stream     the same with Zstandard (one zstd frame a
                                           connection, each payload flushed)
                --dispatches               midjourney: print every dispatch too
      events    {"event":"ready","session_id":...,"user":...}
                {"event":"dispatch","t":NAME,"s":SEQ,"d":{...}}
                {"event":"resumed"}
                {"event":"reconnecting","resume":true|false,"reason":...}
                {"event":"closed","reason":...}
      commands  {"send":{...}}   a raw gateway payload (e.g. op 3 presence)
                {"close":1000}   end the session ({"close":4000}: keep it resumable)
      exit 1 on a close code that forbids reconnecting (4004, 4010-4014).

  midjourney <ws[s]://gateway>
      Midjourney jobs over the Discord gateway and REST interactions.
      Automating a user account is against Discord's terms of service.
      options   the discord options, and
                --rest ORIGIN              the REST API origin (default https://discord.com)
                --channel ID --guild ID    where jobs run (required: --channel)
                --application ID           the bot's application (default Midjourney's)
                --job-timeout S            a job not finished by then fails (default 600)
      events    the discord ones (dispatches only with --dispatches), and
                {"event":"midjourney_ready","imagine":COMMAND_ID}
                {"event":"job","id":"...","kind":"imagine"|"upscale"|...,"state":"submitted"|
                 "queued"|"started"|"progress"|"finished"|"failed"|"timed_out", ...}
                  started: "prompt" (as Midjourney echoed it); progress: "percent";
                  finished: "url", "hash", "buttons"; failed: "reason"
      commands  {"imagine":"prompt"}  {"upscale":N,"job":"ID"}  {"variation":N,"job":"ID"}
                {"reroll":true,"job":"ID"}  {"close":1000}

  i386chat <ws[s]://host[:port]/path>
      The i386chat gateway (seed 002): present, heartbeats, executes.
      There is no resume: after a drop the client presents again.
      options   --token TOKEN              (required)  --event-key t|e
      events    {"event":"ready","session_id":N,"v":N}
                {"event":"execute","t":NAME,"s":SEQ,"cnf":{...}}
                {"event":"executed","t":NAME,"s":SEQ}   (ours, sent)
                {"event":"server_error","c":CODE,"d":true|false}
                {"event":"reconnecting","resume":false,"reason":...}  {"event":"closed",...}
      commands  {"execute":"MESSAGE_CREATE","cnf":{"content":"hi"}}  {"close":true}
      exit 1 when the server refuses the token (4005).

  nightingale <ws[s]://host[:port]>
      The Nightingale gateway (seed 001): /ws?shards=N&user_id=ID, resumed
      after a drop at /ws/resume/<session>.
      options   --user-id ID (required)  --password PW  --shards N
                --resume-form path|query|header
      events    {"event":"ready","session":...}  {"event":"resumed","session":...,"players":[...]}
                {"event":"forward","shard":N,"payload":{...}}   (for that shard's Discord gateway)
                {"event":"update_state","type":...,"guild_id":...,"data":{...}}
                {"event":"track","type":"track_start"|...,"guild_id":...,"title":...,"data":{...}}
                {"event":"reconnecting","resume":true|false,...}  {"event":"closed",...}
      commands  {"send":{"op":"update_voice_state","data":{...}}}  {"close":true}

  singyeong <singyeong://app[:password]@host[:port]>   (ssingyeong:// for TLS)
      A 신경 (singyeong) client: metadata, routing queries, requests with
      replies. A ws:// URL works too, with --app and --auth. Every client
      sets the metadata key sluice_client to its client id.
      options   --client-id ID             (default sluice-<random>)
                --metadata KEY=TYPE:VALUE  (repeatable; TYPE string, integer, float,
                                            boolean, version, list, map)
                --echo                     answer every request (a SEND with a nonce)
                                           with {"echo": payload} to its sender
                --client-updates           ask for CLIENT_CONNECTED/DISCONNECTED
      events    {"event":"ready","client_id":...,"restricted":false}
                {"event":"message","type":"SEND"|"BROADCAST","payload":...,"nonce":...,"sender":...}
                {"event":"requested","id":N}  then {"event":"reply","id":N,"payload":...}
                  (QUERY_NODES: "nodes") or {"event":"request_failed","id":N,"reason":...}
                {"event":"queued",...}  {"event":"client_connected","app":...}
                {"event":"invalid","d":...}  {"event":"server_error","d":...}
                {"event":"reconnecting","resume":false,...}  {"event":"closed",...}
      commands  {"send":PAYLOAD,"query":Q}  {"broadcast":PAYLOAD,"query":Q}
                {"request":PAYLOAD,"query":Q[,"timeout":SECONDS]}  {"query_nodes":Q}
                {"set_metadata":KEY,"type":TYPE,"value":VALUE}  {"close":true}
                Q = {"application":APP (default: ours),"ops":[{"path":"/load","op":"$lt",
                     "to":{"value":5}}, ...],"selector":{"$min":"load"},"key":K,
                     "droppable":B,"restricted":B,"optional":B}   (all ops must hold)

  navigator <http://host:3333>
      BitJourney Navigator: the HTTP API at the URL, its Socket.IO events.
      options   --socket URL               the Socket.IO server (default: the same host, port 3334)
                --authorization VALUE      the Authorization header
                --owner NAME               owner_id of jobs (default "sluice")
                --out DIR                  where images are written (default ".")
      events    {"event":"connected","sid":...}
                {"event":"models","models":[...]}
                {"event":"job","id":N,"job_id":...,"state":"queued"|"model_changed"|"started"|
                 "progress"|"finished"|"failed"|"interrupted"|"timed_out", ...}
                {"event":"image","id":N,"job_id":...,"file":PATH,"bytes":N}
      commands  {"models":true}
                {"txt2img":{"model_name":...,"prompt":...[,"negative_prompt","width","height",
                 "steps","seed","cfg_scale","sampler_name"]}}
                {"close":true}
)";

} // namespace

int main(int argc, char** argv) {
    example::options o;
    std::string error;
    if (!example::parse_options(argc, argv, o, error)) {
        std::fprintf(stderr, "sluice-client: %s\n", error.c_str());
        return 2;
    }
    if (o.has("help")) {
        std::fwrite(help_text.data(), 1, help_text.size(), stdout);
        return 0;
    }
    // Each mode runs until its session ends and exits the process.
    if (o.mode == "ws") example::run_ws(o);
    if (o.mode == "discord" || o.mode == "midjourney") example::run_discord(o);
    if (o.mode == "socketio") example::run_socketio(o);
    if (o.mode == "navigator") example::run_navigator(o);
    if (o.mode == "i386chat") example::run_i386chat(o);
    if (o.mode == "nightingale") example::run_nightingale(o);
    if (o.mode == "singyeong") example::run_singyeong(o);
    std::fprintf(stderr, "sluice-client: unknown mode '%s' (--help lists them)\n", o.mode.c_str());
    return 2;
}
