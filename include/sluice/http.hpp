#pragma once
// sluice/http.hpp: the HTTP/1.1 layer: the request writer and the incremental
// response parser (the WebSocket upgrade, REST calls).
#include <sluice/http/error.hpp>
#include <sluice/http/request.hpp>
#include <sluice/http/response_parser.hpp>
#include <sluice/http/syntax.hpp>
