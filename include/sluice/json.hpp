#pragma once
// sluice/json.hpp: the json layer. validate() checks text against RFC 8259;
// read() decodes text into reflected types (zero-copy string_view and raw,
// unknown keys skipped); write() encodes them into a reusable buffer.
#include <sluice/json/error.hpp>
#include <sluice/json/raw.hpp>
#include <sluice/json/read.hpp>
#include <sluice/json/validate.hpp>
#include <sluice/json/write.hpp>
