"""The reference data as the pages read it (provinces, aliases, the indicator catalogue), and the health of a
database: its data version, table counts and the checks of a backup."""

from __future__ import annotations

import pandas as pd

from .. import base
from .run import Executor

ALL_TABLES = ("meta", "region", "province", "province_alias", "indicator_family", "indicator",
              "indicator_method_change", "plan", "task", "target", "import_batch", "actual", "national_value",
              "actual_history", "target_history", "period_lock", "lock_history", "app_user", "audit_event",
              "unit", "unit_alias", "unit_successor", "unit_group", "task_progress", "task_progress_history",
              "unit_index_criterion", "unit_score", "unit_score_history", "unit_history")

INTEGRITY_CHECKS = {
    "province without region": "SELECT count(*) FROM province p LEFT JOIN region r ON r.code = p.region_code WHERE "
                               "r.code IS NULL",
    "successor missing": "SELECT count(*) FROM province p WHERE p.successor_code IS NOT NULL AND NOT EXISTS (SELECT 1 "
                         "FROM province q WHERE q.code = p.successor_code AND q.valid_from = p.successor_valid_from)",
    "alias without province": "SELECT count(*) FROM province_alias a WHERE NOT EXISTS (SELECT 1 FROM province p WHERE "
                              "p.code = a.code AND p.valid_from = a.valid_from)",
    "target without plan": "SELECT count(*) FROM target t WHERE NOT EXISTS (SELECT 1 FROM plan p WHERE p.id = "
                           "t.plan_id)",
    "target without indicator": "SELECT count(*) FROM target t WHERE NOT EXISTS (SELECT 1 FROM indicator i WHERE "
                                "i.code = t.indicator_code)",
    "target without province": "SELECT count(*) FROM target t WHERE NOT EXISTS (SELECT 1 FROM province p WHERE p.code "
                               "= t.province_code AND p.valid_from = t.province_valid_from)",
    "unit without province": "SELECT count(*) FROM unit u WHERE NOT EXISTS (SELECT 1 FROM province p WHERE p.code "
                             "= u.province_code AND p.valid_from = u.province_valid_from)",
    "unit successor missing": "SELECT count(*) FROM unit_successor s WHERE NOT EXISTS (SELECT 1 FROM unit u WHERE "
                              "u.code = s.successor_code AND u.province_valid_from = s.successor_province_valid_from)",
    "task without plan": "SELECT count(*) FROM task k WHERE NOT EXISTS (SELECT 1 FROM plan p WHERE p.id = k.plan_id)",
    "actual without batch": "SELECT count(*) FROM actual a WHERE NOT EXISTS (SELECT 1 FROM import_batch b WHERE b.id "
                            "= a.batch_id)",
    "actual without indicator": "SELECT count(*) FROM actual a WHERE NOT EXISTS (SELECT 1 FROM indicator i WHERE "
                                "i.code = a.indicator_code)",
    "national value without batch": "SELECT count(*) FROM national_value n WHERE NOT EXISTS (SELECT 1 FROM "
                                    "import_batch b WHERE b.id = n.batch_id)",
    "national value without indicator": "SELECT count(*) FROM national_value n WHERE NOT EXISTS (SELECT 1 FROM "
                                        "indicator i WHERE i.code = n.indicator_code)",
    "actual without province": "SELECT count(*) FROM actual a WHERE NOT EXISTS (SELECT 1 FROM province p WHERE p.code "
                               "= a.province_code AND p.valid_from = a.province_valid_from)",
}


class ReferenceReads(Executor, base.ReferenceReads):
    def provinces(self) -> pd.DataFrame:
        return self._df("""
            SELECT p.code, p.name, p.full_name, p.name_ascii, p.valid_from, p.valid_to,
                   p.successor_code, p.successor_valid_from, p.region_code,
                   r.name_vi AS region_vi, r.name_en AS region_en
            FROM province p JOIN region r ON r.code = p.region_code
            ORDER BY p.valid_from, p.code""")

    def indicators(self) -> pd.DataFrame:
        return self._df("""
            SELECT i.*, f.name_vi AS family_vi, f.name_en AS family_en
            FROM indicator i JOIN indicator_family f ON f.code = i.family
            ORDER BY i.family, i.code""")

    def province_aliases(self) -> pd.DataFrame:
        return self._df("SELECT alias_key, code, valid_from FROM province_alias ORDER BY alias_key")

    def method_changes(self) -> pd.DataFrame:
        return self._df("SELECT * FROM indicator_method_change ORDER BY indicator_code, from_year")


class HealthReads(Executor, base.HealthReads):
    def data_version(self) -> tuple:
        # the database's identity, then the count and last id of the append-only change log: the count grows with
        # every committed change, even when two writers' ids commit out of order; and the time of the latest change,
        # so that two copies of one database that each took a different write never share a version
        return tuple(self._one("SELECT (SELECT value FROM meta WHERE key = 'database_id'), count(*),"
                               " coalesce(max(id), 0), coalesce(CAST(max(happened_at) AS VARCHAR), '')"
                               " FROM data_change"))

    def table_counts(self) -> dict[str, int]:
        return {t: int(self._value(f"SELECT count(*) FROM {t}")) for t in ALL_TABLES}

    def integrity_problems(self) -> list[str]:
        found = []
        for label, sql in INTEGRITY_CHECKS.items():
            n = self._value(sql)
            if n:
                found.append(f"{label}: {n}")
        return found
