// Test support for the HTTP flow suite, one header per concern under tests/http/support/:
//   process        the server under test, helper processes, the run's environment, suite fixtures
//   http_client    the libcurl client, responses, CHECK_STATUS and friends
//   mock_control   commerce-mock: starting, expectations, verification, recorded requests
//   gateway_world  dedicated servers in front of gateway mocks
//   builders       users, accounts, products, addresses and order bodies
//   json_body      JSON request bodies (json_object, json_array, quote)
//   json_read      reading answers (number_of, int_of, ...), the ISO-8601 check
//   db             direct reads of the test database
//   signing        hand-made JWTs, HMACs and encodings
//   tasks          wait_for_task: polling a background task until it is done
//   waiting        start_gate, poll_until
//
// The suite runs through scripts/test, which exports COMMERCE_SERVER (via CTest),
// TEST_DATABASE_URL and TEST_REDIS_URL. A missing variable fails the run: nothing is skipped.
#pragma once

#include "tests/http/support/builders.hpp"
#include "tests/http/support/db.hpp"
#include "tests/http/support/gateway_world.hpp"
#include "tests/http/support/http_client.hpp"
#include "tests/http/support/json_body.hpp"
#include "tests/http/support/json_read.hpp"
#include "tests/http/support/mock_control.hpp"
#include "tests/http/support/process.hpp"
#include "tests/http/support/signing.hpp"
#include "tests/http/support/tasks.hpp"
#include "tests/http/support/waiting.hpp"
