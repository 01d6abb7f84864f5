#pragma once
// The random-disconnect simulation of a gateway client, written once for the
// engine's line protocol (tests/gateway/simulation.cpp) and Discord's frames
// (tests/discord/simulation.cpp): a scripted server produces sequenced
// events while the network misbehaves (drops, server closes, reconnect
// requests, invalid sessions, lost acks, events lost in flight, sloppy
// replays that repeat an old sequence, closes never confirmed, failed
// connects). Whatever happens, the client must deliver every sequence exactly
// once, in order, and never lose a session it had.
//
// A protocol derives `struct sim : disconnect_sim<sim, Client>` and provides
// its wire:
//     std::string hello();                       // the server's greeting after each open
//     std::string event(std::uint64_t seq);      // one sequenced event
//     std::string resumed(std::uint64_t seq);    // the end of a resume's replay (takes a sequence)
//     void on_send(std::string_view bytes);      // a client frame: identify -> identified(ready),
//                                                // resume -> replay_from(seq), heartbeat -> beat(ack)
//     void disrupt(std::uint64_t r);             // r in [0, 1000): the protocol's misbehaviours
// and, when it checks more, check_open(action, bytes), check_close(code),
// check_delivered(entry) (each does nothing by default). Its constants:
// tick_ms (the longest server pause), event_per_mille (an event each tick),
// settle_guard (the most actions one pump() may see before it fails).
// run_seeds() drives seeds 1..N and checks the outcome of each.
#include <sluice/gateway/action.hpp>
#include <sluice/gateway/session.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice_test {

/// Totals over the seeds of run_seeds(), to show the paths were exercised.
struct sim_totals {
    int resumes = 0;
    int zombies = 0;
    std::size_t delivered = 0;
};

template <class Derived, class Client>
struct disconnect_sim {
    test_rng rng;
    sluice::xoshiro256 client_rng;
    Client client;

    // Server side.
    std::uint64_t produced = 0;  // last sequence produced in the session
    std::uint64_t sent_upto = 0; // last sequence sent on the current connection
    bool conn = false;           // transport open (server view)
    bool ready = false;          // the server considers the client ready
    bool acking = true;          // false: the server stopped acking (zombie)
    bool calm = false;           // no more disruptions
    std::uint32_t gen = 0;

    std::int64_t now = 0;
    std::vector<std::uint64_t> delivered;
    int resumes = 0, identifies = 0, zombies = 0;

    /// `make(entropy)` builds the client on the simulation's own generator (seeded `client_seed`).
    template <class Make>
    disconnect_sim(std::uint64_t seed, std::uint64_t client_seed, Make&& make)
        : rng{seed}, client_rng(client_seed), client(make(sluice::entropy(client_rng))) {}

    static sluice::instant at(std::int64_t ms) { return sluice::instant::from_ns(ms * 1'000'000); }
    bool chance(std::uint64_t per_mille) { return rng.below(1000) < per_mille; }

    void to_client(const std::string& text) {
        REQUIRE_FALSE(client.on_message(gen, text, sluice::message_type::text, at(now)));
    }
    void server_close(std::optional<std::uint16_t> code) {
        conn = ready = false;
        REQUIRE_FALSE(client.on_close(gen, {code, {}}, at(now)));
    }
    void send_events() {
        while (conn && ready && sent_upto < produced) {
            ++sent_upto;
            if (!calm && chance(5)) { // lost in flight, then the connection dies
                server_close(std::nullopt);
                return;
            }
            to_client(self().event(sent_upto));
        }
    }

    // ---- what on_send() calls

    /// The client identified: a new session whose ready takes sequence 1.
    void identified(const std::string& ready_frame) {
        ++identifies;
        produced = sent_upto = 1;
        ready = true;
        to_client(ready_frame);
    }
    /// The client resumed from `seq`: a sloppy server replays one sequence too
    /// many now and then, then the rest, then resumed (a sequence of its own).
    void replay_from(std::uint64_t seq) {
        ++resumes;
        sent_upto = (!calm && seq > 1 && chance(300)) ? seq - 1 : seq;
        ready = true;
        while (conn && sent_upto < produced) to_client(self().event(++sent_upto));
        if (conn) {
            sent_upto = ++produced;
            to_client(self().resumed(produced));
        }
    }
    /// A heartbeat: acked unless the server plays a zombie.
    void beat(const std::string& ack) {
        if (acking) to_client(ack);
    }

    // ---- the checks a protocol may add
    void check_open(const sluice::gateway::action&, std::string_view) {}
    void check_close(std::uint16_t) {}
    void check_delivered(const sluice::gateway::entry&) {}

    void pump() {
        namespace gw = sluice::gateway;
        for (int guard = 0; guard < Derived::settle_guard; ++guard) {
            const gw::entry* e = client.poll();
            if (!e) return;
            const gw::action a = e->action;
            const std::string bytes(e->bytes);
            switch (a.kind) {
            case gw::action_kind::open:
                gen = a.generation;
                conn = ready = false;
                if (!calm && chance(100)) { // the connect fails
                    REQUIRE_FALSE(client.on_close(gen, {}, at(now)));
                    break;
                }
                self().check_open(a, bytes);
                conn = true;
                acking = calm || !chance(60);
                REQUIRE_FALSE(client.on_open(gen, at(now)));
                to_client(self().hello());
                break;
            case gw::action_kind::send:
                REQUIRE(conn);
                self().on_send(bytes);
                break;
            case gw::action_kind::close:
                self().check_close(a.close_code);
                conn = ready = false;
                if (calm || chance(800)) REQUIRE_FALSE(client.on_close(gen, {a.close_code, {}}, at(now)));
                // else: the transport never reports; the close wait ends it
                break;
            case gw::action_kind::ready:
            case gw::action_kind::resumed:
            case gw::action_kind::dispatch:
                REQUIRE(a.has_seq);
                if (a.kind == gw::action_kind::ready) REQUIRE(delivered.empty()); // only the first identify starts one
                if (!delivered.empty()) REQUIRE(a.seq == delivered.back() + 1);
                delivered.push_back(a.seq);
                self().check_delivered(*e);
                break;
            case gw::action_kind::notice: {
                if (a.error == gw::errc::zombie_connection) ++zombies;
                CAPTURE(a.error.message());
                REQUIRE(a.next != gw::next_step::stop);
                if (!delivered.empty()) REQUIRE(a.next != gw::next_step::new_session); // a session, once had, is never lost
                break;
            }
            case gw::action_kind::identify_wanted: FAIL("the permit gate is off"); break;
            }
        }
        FAIL("the action loop did not settle");
    }

    void step() {
        // Advance to the next interesting instant: a client deadline or a server tick.
        const std::int64_t tick = now + 1 + static_cast<std::int64_t>(rng.below(Derived::tick_ms));
        const sluice::instant dl = client.next_deadline();
        const std::int64_t dl_ms = dl.is_never() ? tick : (dl.ns() + 999'999) / 1'000'000;
        now = std::min(tick, std::max(dl_ms, now));
        client.handle_timeout(at(now));
        pump();
        if (identifies > 0 && chance(Derived::event_per_mille)) { // the server produces an event
            ++produced;
            send_events();
            pump();
        }
        if (calm || !conn) return;
        self().disrupt(rng.below(1000));
        pump();
    }

    /// Seeds 1..`seeds`, each: start, `steps` steps of trouble, then calm
    /// until the client caught up; every sequence delivered once, in order,
    /// one identify. `more(sim)` checks what the protocol adds.
    template <class More>
    static sim_totals run_seeds(std::uint64_t seeds, int steps, More&& more) {
        sim_totals t;
        for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
            CAPTURE(seed);
            Derived s(seed);
            REQUIRE_FALSE(s.client.start(at(0)));
            s.pump();
            for (int i = 0; i < steps; ++i) s.step();
            s.calm = true;
            for (int i = 0; i < 400 && !(s.client.is_ready() && s.ready && s.sent_upto == s.produced); ++i) s.step();
            REQUIRE(s.client.is_ready());
            s.send_events();
            s.pump();
            REQUIRE(s.identifies == 1);
            REQUIRE(!s.delivered.empty());
            CHECK(s.delivered.size() == s.produced);
            CHECK(s.delivered.back() == s.produced);
            more(s);
            t.resumes += s.resumes;
            t.zombies += s.zombies;
            t.delivered += s.delivered.size();
        }
        return t;
    }

private:
    Derived& self() { return static_cast<Derived&>(*this); }
};

} // namespace sluice_test
