-- One database per debtflow service, owned by the compose file's POSTGRES_USER (debtflow).
-- The postgres image runs this once, when it initialises an empty data directory; each service then creates
-- its own tables with its Alembic migrations at start-up (DEBTFLOW_RUN_MIGRATIONS_ON_STARTUP, on by default).
CREATE DATABASE debtflow_intake;
CREATE DATABASE debtflow_classification;
CREATE DATABASE debtflow_collections;
CREATE DATABASE debtflow_legal;
CREATE DATABASE debtflow_credit;
CREATE DATABASE debtflow_crm;
