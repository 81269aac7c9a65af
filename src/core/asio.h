// The one way gantry includes Boost.Asio and Beast. Boost 1.74's Asio uses std::exchange
// without including <utility>, which g++ 12 in C++20 mode needs first. Include this only in
// .cpp files: these headers are heavy. A target that includes it links Boost::boost.
#pragma once

// <utility> must come first: keep clang-format from sorting it after Boost.
// clang-format off
#include <utility>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
// clang-format on
