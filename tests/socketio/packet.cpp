// Socket.IO v5 packet codec and payload checks: every packet form of
// PROTOCOLS.md, both directions, and malformed packets.
#include <sluice/socketio/packet.hpp>
#include <sluice/socketio/payload.hpp>

#include "support/support.hpp"

#include <string>

namespace sio = sluice::socketio;

namespace {
struct decoded {
    std::error_code ec;
    sio::packet p;
    sio::payload_info info;
    std::string scratch;
};
decoded decode(std::string_view text) {
    decoded d;
    d.ec = sio::decode_header(text, d.p);
    if (!d.ec) d.ec = sio::check_payload(d.p, d.info, d.scratch, 64);
    return d;
}
} // namespace

TEST_CASE("socketio decode: the forms of PROTOCOLS.md") {
    {
        auto d = decode("0");
        REQUIRE_FALSE(d.ec);
        CHECK(d.p.type == sio::packet_type::connect);
        CHECK(d.p.nsp == "/");
        CHECK_FALSE(d.p.has_id);
        CHECK(d.p.data.empty());
    }
    {
        auto d = decode(R"(0/admin,{"token":"x"})");
        REQUIRE_FALSE(d.ec);
        CHECK(d.p.type == sio::packet_type::connect);
        CHECK(d.p.nsp == "/admin");
        CHECK(d.p.data == R"({"token":"x"})");
    }
    {
        auto d = decode(R"(0{"sid":"X2mpbYJ"})");
        REQUIRE_FALSE(d.ec);
        CHECK(d.info.sid == "X2mpbYJ");
    }
    {
        auto d = decode(R"(2["task-progress",{"progress":0.19}])");
        REQUIRE_FALSE(d.ec);
        CHECK(d.p.type == sio::packet_type::event);
        CHECK(d.info.name == "task-progress");
        CHECK(d.info.args == R"({"progress":0.19})");
    }
    {
        auto d = decode(R"(212["ev",1])");
        REQUIRE_FALSE(d.ec);
        CHECK((d.p.has_id && d.p.id == 12u));
        CHECK(d.info.name == "ev");
        CHECK(d.info.args == "1");
    }
    {
        auto d = decode(R"(312[1,"a"])");
        REQUIRE_FALSE(d.ec);
        CHECK(d.p.type == sio::packet_type::ack);
        CHECK((d.p.has_id && d.p.id == 12u));
        CHECK(d.info.args == R"(1,"a")");
    }
    {
        auto d = decode("1/admin,");
        REQUIRE_FALSE(d.ec);
        CHECK(d.p.type == sio::packet_type::disconnect);
        CHECK(d.p.nsp == "/admin");
    }
    {
        auto d = decode(R"(4{"message":"Not authorized"})");
        REQUIRE_FALSE(d.ec);
        CHECK(d.p.type == sio::packet_type::connect_error);
        CHECK(d.p.data == R"({"message":"Not authorized"})");
    }
    {
        auto d = decode(R"(4/nope,"Unable to connect")"); // python-socketio's string form
        REQUIRE_FALSE(d.ec);
        CHECK(d.p.nsp == "/nope");
        CHECK(d.p.data == R"("Unable to connect")");
    }
    {
        auto d = decode(R"(51-["upload",{"_placeholder":true,"num":0}])");
        REQUIRE_FALSE(d.ec);
        CHECK(d.p.type == sio::packet_type::binary_event);
        CHECK(d.p.attachments == 1);
        CHECK(d.info.name == "upload");
    }
    {
        auto d = decode(R"(62-/admin,7[{"_placeholder":true,"num":1},{"num":0,"_placeholder":true}])");
        REQUIRE_FALSE(d.ec);
        CHECK(d.p.type == sio::packet_type::binary_ack);
        CHECK(d.p.attachments == 2);
        CHECK(d.p.nsp == "/admin");
        CHECK((d.p.has_id && d.p.id == 7u));
    }
}

TEST_CASE("socketio decode: lenient forms socket.io-parser accepts") {
    CHECK_FALSE(decode("0/admin").ec);                    // namespace without comma, no data
    CHECK_FALSE(decode(R"(2/a,["x"])").ec);               // no args
    CHECK_FALSE(decode(R"(2[ "x" , 1 , [2] ])").ec);      // whitespace
    CHECK_FALSE(decode(R"(2[1,"numeric name"])").ec);     // a number as the event name
    CHECK(decode(R"(2[1,"numeric name"])").info.name == "1");
    CHECK_FALSE(decode("3/a,5[]").ec);                    // empty ack
    CHECK(decode("3/a,5[]").info.args.empty());
    CHECK_FALSE(decode(R"(50-["no attachments"])").ec);  // binary with zero attachments
    CHECK_FALSE(decode(R"(2["x",{"_placeholder":true,"num":9}])").ec); // not binary: just data
    CHECK_FALSE(decode(R"(0{})").ec);
}

TEST_CASE("socketio decode: escaped event names are unescaped") {
    auto d = decode(R"(2["a\"b\\c\u00e9\ud83d\ude00\n",1])");
    REQUIRE_FALSE(d.ec);
    CHECK(d.info.name == "a\"b\\c\xc3\xa9\xf0\x9f\x98\x80\n");
    CHECK(d.info.args == "1");
}

TEST_CASE("socketio decode: malformed packets") {
    const struct {
        const char* text;
        sio::errc err;
    } cases[] = {
        {"", sio::errc::empty_packet},
        {"7", sio::errc::unknown_packet_type},
        {"a", sio::errc::unknown_packet_type},
        {R"(5["x"])", sio::errc::bad_attachments},
        {R"(5-["x"])", sio::errc::bad_attachments},
        {R"(51["x"])", sio::errc::bad_attachments},
        {"599999999999-[\"x\"]", sio::errc::bad_attachments},
        {"29007199254740992[\"x\"]", sio::errc::bad_ack_id},
        {"0[]", sio::errc::bad_payload},           // CONNECT with an array
        {"0\"x\"", sio::errc::bad_payload},        // CONNECT with a string
        {"1{}", sio::errc::bad_payload},           // DISCONNECT with data
        {"4[]", sio::errc::bad_payload},           // CONNECT_ERROR with an array
        {"2{}", sio::errc::bad_payload},           // EVENT not an array
        {"2[]", sio::errc::bad_payload},           // EVENT without name
        {"2[null]", sio::errc::bad_payload},       // name neither string nor number
        {"2[{}]", sio::errc::bad_payload},
        {R"(2["connect"])", sio::errc::bad_payload}, // reserved name
        {R"(2["disconnect",1])", sio::errc::bad_payload},
        {R"(2["x",])", sio::errc::bad_payload},
        {R"(2["x",1)", sio::errc::bad_payload},
        {R"(2["x"]])", sio::errc::bad_payload},
        {R"(2["x"] x)", sio::errc::bad_payload},
        {R"(2["x",01])", sio::errc::bad_payload},
        {R"(2["x",1.])", sio::errc::bad_payload},
        {R"(2["x",tru])", sio::errc::bad_payload},
        {R"(2["x","\q"])", sio::errc::bad_payload},
        {"2[\"x\",\"\x01\"]", sio::errc::bad_payload}, // raw control character
        {R"(2["x","\u12"])", sio::errc::bad_payload},
        {R"(2["x",{"a" 1}])", sio::errc::bad_payload},
        {R"(2["x",{1:1}])", sio::errc::bad_payload},
        {"3{}", sio::errc::bad_payload},           // ACK not an array
        {"3[", sio::errc::bad_payload},
        {R"(51-["x",{"_placeholder":true,"num":1}])", sio::errc::bad_placeholder},
        {R"(51-["x",{"_placeholder":true,"num":-1}])", sio::errc::bad_placeholder},
        {R"(51-["x",{"_placeholder":true}])", sio::errc::bad_placeholder},
        {R"(51-["x",{"_placeholder":true,"num":0.5}])", sio::errc::bad_placeholder},
        {R"(61-3[{"_placeholder":true,"num":"0"}])", sio::errc::bad_placeholder},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CHECK(decode(c.text).ec == c.err);
    }
    CHECK(sio::make_error_code(sio::errc::bad_payload) == sluice::condition::protocol_violation);
}

TEST_CASE("socketio decode: the depth limit") {
    std::string deep = "2[\"x\",";
    for (int i = 0; i < 100; ++i) deep += '[';
    for (int i = 0; i < 100; ++i) deep += ']';
    deep += ']';
    sio::packet p;
    REQUIRE_FALSE(sio::decode_header(deep, p));
    sio::payload_info info;
    std::string scratch;
    CHECK(sio::check_payload(p, info, scratch, 64) == sio::errc::bad_payload);
    CHECK_FALSE(sio::check_payload(p, info, scratch, 128));
}

TEST_CASE("socketio encode_header") {
    std::string out;
    auto enc = [&](sio::packet_type t, std::string_view nsp, std::optional<std::uint64_t> id, std::uint32_t att) {
        out.clear();
        sio::encode_header(t, nsp, id, att, out);
        return out;
    };
    CHECK(enc(sio::packet_type::connect, "/", std::nullopt, 0) == "0");
    CHECK(enc(sio::packet_type::connect, "/admin", std::nullopt, 0) == "0/admin,");
    CHECK(enc(sio::packet_type::disconnect, "/admin", std::nullopt, 0) == "1/admin,");
    CHECK(enc(sio::packet_type::event, "/", 12, 0) == "212");
    CHECK(enc(sio::packet_type::event, "/chat", 0, 0) == "2/chat,0");
    CHECK(enc(sio::packet_type::ack, "/chat", 9007199254740991ull, 0) == "3/chat,9007199254740991");
    CHECK(enc(sio::packet_type::binary_event, "/", std::nullopt, 1) == "51-");
    CHECK(enc(sio::packet_type::binary_ack, "/x", 3, 12) == "612-/x,3");
    // Round trip through the decoder.
    sio::packet p;
    REQUIRE_FALSE(sio::decode_header("612-/x,3[]", p));
    CHECK((p.type == sio::packet_type::binary_ack && p.attachments == 12 && p.nsp == "/x" && p.data == "[]"));
    CHECK((p.has_id && p.id == 3u));
}

TEST_CASE("socketio payload helpers") {
    CHECK(sio::is_array("[]"));
    CHECK(sio::is_array(" [1, {\"a\":[2]}] "));
    CHECK_FALSE(sio::is_array("{}"));
    CHECK_FALSE(sio::is_array("[1,]"));
    CHECK_FALSE(sio::is_array("[1] [2]"));
    CHECK(sio::is_object(R"({"token":"x"})"));
    CHECK_FALSE(sio::is_object(R"("x")"));
    CHECK(sio::array_inner("[ 1, 2 ]") == "1, 2");
    CHECK(sio::array_inner("[]").empty());
    CHECK(sio::placeholder(3) == R"({"_placeholder":true,"num":3})");
    std::string s;
    CHECK(sio::append_json_string("a\"b\\c\n\x01\xc3\xa9", s));
    CHECK(s == "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
    CHECK_FALSE(sio::append_json_string("\xff", s));
    CHECK_FALSE(sio::is_array("[\"\xff\"]"));
    CHECK(sio::is_reserved_event("connect_error"));
    CHECK_FALSE(sio::is_reserved_event("message"));
}

TEST_CASE("socketio payload: strings are checked the same 8 bytes at a time as byte by byte, and the first argument is found") {
    // A string of n plain bytes with one byte c at position k, for every n, k
    // and a set of bytes around the word-at-a-time checks: accepted exactly
    // when strict JSON validation accepts it.
    const char specials[] = {'"', '\\', '\x1f', '\x00', '\x7f', ' ', '!', '#', '[', ']', '\x80', '\xff'};
    for (std::size_t n = 0; n <= 24; ++n)
        for (std::size_t k = 0; k < n; ++k)
            for (const char c : specials) {
                std::string str(n, 'a');
                str[k] = c;
                const std::string text = R"(["ev",")" + str + R"(",2])";
                const std::string packet_text = "2" + text; // p views into it
                sio::packet p;
                REQUIRE_FALSE(sio::decode_header(packet_text, p));
                sio::payload_info info;
                std::string scratch;
                const bool ok = !sio::check_payload(p, info, scratch, 64);
                const bool strict = !sluice::json::validate(text) || static_cast<unsigned char>(c) >= 0x80; // bytes >= 0x80 are not UTF-8-checked here
                CAPTURE(n);
                CAPTURE(k);
                CAPTURE(static_cast<int>(static_cast<unsigned char>(c)));
                CHECK(ok == strict);
                if (ok) {
                    CHECK(info.first == "\"" + str + "\"");
                    CHECK(info.first == sio::first_arg(info.args));
                }
            }
    sio::packet p;
    REQUIRE_FALSE(sio::decode_header(R"(2["ev", {"a":[1,"x\"y"]} , 3 ])", p));
    sio::payload_info info;
    std::string scratch;
    REQUIRE_FALSE(sio::check_payload(p, info, scratch, 64));
    CHECK(info.first == R"({"a":[1,"x\"y"]})");
    CHECK(info.args == R"({"a":[1,"x\"y"]} , 3)");
    REQUIRE_FALSE(sio::decode_header(R"(2["ev"])", p));
    REQUIRE_FALSE(sio::check_payload(p, info, scratch, 64));
    CHECK(info.first.empty());
}
