# A dbt-duckdb plugin that lets DuckDB read exactly the project's seed files while its file access is off for
# everything else, so that seeds load through dbt-duckdb's fast path (COPY ... FROM '<seed file>').
# DuckDB refuses allowed_paths at connect time ("before the database is started") and refuses to change it once
# enable_external_access is off, even to the same value. A profile setting cannot carry it: dbt-duckdb repeats
# settings on every cursor, and the second cursor's SET fails. A plugin's configure_connection runs once per
# database, before the attachments and before the profile's settings turn file access off.
# Exact files rather than allowed_directories: a model can then create no file next to the seeds. DuckDB has no
# read-only list: COPY ... TO a seed file itself with USE_TMP_FILE false still rewrites that file.
# The list is read from seed_files.json beside this module, written for each job, rather than from the profile:
# dbt hashes the profile, and a changed hash would make it parse the whole project again.
# For the same reason the plugin sets DuckDB's memory_limit, which the service gives each job from the memory
# headroom it started with (memory_limit.json beside this module): a global setting, so once per database is enough.
import json
import os

from dbt.adapters.duckdb.plugins import BasePlugin

SEED_FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seed_files.json")
MEMORY_LIMIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "memory_limit.json")


class Plugin(BasePlugin):
    def initialize(self, plugin_config):
        with open(SEED_FILES, encoding="utf-8") as listing:
            self.seed_files = [str(path) for path in json.load(listing)]
        with open(MEMORY_LIMIT, encoding="utf-8") as limit:
            self.memory_limit = str(json.load(limit))

    def configure_connection(self, conn):
        conn.execute("SET allowed_paths = $1", [self.seed_files])
        conn.execute("SET memory_limit = $1", [self.memory_limit])
