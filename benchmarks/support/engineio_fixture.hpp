#pragma once
// benchmarks/support/engineio_fixture.hpp: the Engine.IO and Socket.IO
// clients the benchmarks connect the same way (bench_engineio's
// engineio_ping and socketio_message, and the callgrind driver's
// engineio_ping and socketio_event): not part of the library; no Google
// Benchmark dependency, so the callgrind driver uses it too.
//  - engineio_open_packet: the server's open packet (sid, 25 s pings);
//  - engineio_connected: an Engine.IO client for ws://127.0.0.1:3334 (its
//    generator seeded 1), opened and past the open packet, its actions
//    drained: each "2" (ping) it gets next is answered with one "3";
//  - socketio_connected: a Socket.IO client for the same URL (generator
//    seeded 1) that joined "/", opened, past the open packet and the
//    namespace's connect ("40{sid}"), its actions drained: ready for events.
//
// Includes: sluice/engineio/client.hpp and socketio/client.hpp for the
// clients and their configs; core/entropy.hpp (xoshiro256), core/time.hpp
// (instant), core/transport.hpp (message_type).
#include <sluice/core/entropy.hpp>
#include <sluice/core/time.hpp>
#include <sluice/core/transport.hpp>
#include <sluice/engineio/client.hpp>
#include <sluice/socketio/client.hpp>

namespace sluice_bench {

inline constexpr const char* engineio_open_packet =
    R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";

struct engineio_connected {
    sluice::xoshiro256 rng{1};
    sluice::engineio::client c;

    static sluice::engineio::config settings() {
        sluice::engineio::config cfg;
        cfg.url = sluice::engineio::make_url("ws://127.0.0.1:3334");
        return cfg;
    }
    engineio_connected() : c(settings(), rng) {
        const sluice::instant t = sluice::instant::zero();
        (void)c.start(t);
        c.on_open(t);
        c.on_message(engineio_open_packet, sluice::message_type::text, t);
        while (c.poll() != nullptr) {
        }
    }
};

struct socketio_connected {
    sluice::xoshiro256 rng{1};
    sluice::socketio::client c;

    static sluice::socketio::config settings() {
        sluice::socketio::config cfg;
        cfg.engine.url = sluice::engineio::make_url("ws://127.0.0.1:3334");
        return cfg;
    }
    socketio_connected() : c(settings(), rng) {
        const sluice::instant t = sluice::instant::zero();
        (void)c.join("/", t);
        (void)c.start(t);
        c.on_open(t);
        c.on_message(engineio_open_packet, sluice::message_type::text, t);
        c.on_message(R"(40{"sid":"wZX3oN0bSVIhsaknAAAI"})", sluice::message_type::text, t);
        while (c.poll() != nullptr) {
        }
    }
};

} // namespace sluice_bench
