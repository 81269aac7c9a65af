// The one way the example app includes Asio and Beast: Boost 1.74's Asio uses std::exchange
// without including <utility>, which g++ 12 in C++20 mode needs first.
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
