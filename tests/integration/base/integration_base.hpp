// The shared base of the four integration categories (the document's section 3): include this
// one header. Each category program talks HTTP to a running stack described by the environment
// (integration_env.hpp) and labels its cases with the matrix points they exercise
// (config/integration_test_matrix.yml: module.<id>, service.<id>, flow.<id>).
#pragma once

#include "tests/http/support/builders.hpp"
#include "tests/http/support/http_client.hpp"
#include "tests/http/support/json_body.hpp"
#include "tests/http/support/json_read.hpp"
#include "tests/integration/base/async_tasks.hpp"
#include "tests/integration/base/factories.hpp"
#include "tests/integration/base/integration_env.hpp"
#include "tests/integration/base/maildir.hpp"
#include "tests/integration/base/mocks.hpp"
#include "tests/integration/base/session.hpp"

#include <boost/test/unit_test.hpp>
