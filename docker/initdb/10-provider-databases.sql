-- The provider stacks' own databases (scripts/integration creates the same ones); the main app's,
-- commerce_test, is POSTGRES_DB.
CREATE DATABASE commerce_providers_a;
CREATE DATABASE commerce_providers_b;
CREATE DATABASE commerce_providers_c;
