-- The firmware name an attempt started from (the platform's name of the
-- build, AirM2M_780EP_LTE_AT, without its version): what the platform
-- serves is per firmware name and version, and the engine asks the log
-- whether a version of a firmware was ever reached. Rows written before
-- this step have '' (their module's row in modules still names it).
ALTER TABLE attempts ADD COLUMN firmware TEXT NOT NULL DEFAULT '';
