#pragma once
// examples/asio/options.hpp: sluice-client's command line: `<mode> <url>`,
// then `--name value` (repeatable), `--name=value` and bare flags.
//
// Includes: <functional> (std::less<>), <map>, <string>, <string_view>, <vector>.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace example {

/// `--name value` (repeatable), `--name=value` and bare flags.
struct options {
    std::string mode, url;
    std::map<std::string, std::vector<std::string>, std::less<>> values;

    bool has(std::string_view name) const { return values.find(name) != values.end(); }
    std::string get(std::string_view name, std::string fallback = {}) const {
        const auto it = values.find(name);
        return it == values.end() || it->second.empty() ? fallback : it->second.back();
    }
    std::vector<std::string> all(std::string_view name) const {
        const auto it = values.find(name);
        return it == values.end() ? std::vector<std::string>{} : it->second;
    }
};

/// Options that take no value.
inline bool is_flag(std::string_view name) {
    return name == "help" || name == "verbose" || name == "dispatches" || name == "echo" || name == "client-updates";
}

/// Parses argv; `error` says what is wrong when it returns false.
inline bool parse_options(int argc, char** argv, options& o, std::string& error) {
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (!a.starts_with("--")) {
            positional.emplace_back(a);
            continue;
        }
        a.remove_prefix(2);
        std::string name(a.substr(0, a.find('='))), value;
        if (a.find('=') != std::string_view::npos) value = a.substr(a.find('=') + 1);
        else if (!is_flag(name)) {
            if (i + 1 >= argc) {
                error = "--" + name + " needs a value";
                return false;
            }
            value = argv[++i];
        }
        o.values[name].push_back(value);
    }
    if (o.has("help")) return true;
    if (positional.size() != 2) {
        error = "usage: sluice-client <mode> <url> [options] (--help for more)";
        return false;
    }
    o.mode = positional[0];
    o.url = positional[1];
    return true;
}

} // namespace example
