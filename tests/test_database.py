"""The DuckDB store: build from data/, idempotency, provenance, all-or-nothing batches."""

from datetime import date

import pandas as pd
import pytest

from indicators.imports import ImportRefused, file_digest
from indicators.services.building import build
from indicators.storage import ALL_TABLES, Store
from tests.conftest import import_rows


def _dump(store: Store) -> dict[str, list]:
    return {t: sorted(map(repr, store.connection.execute(f"SELECT * FROM {t}").fetchall())) for t in ALL_TABLES}


def _batch(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["province_code", "province_valid_from", "indicator_code", "period", "value"])


def _analyst_rows(store: Store) -> pd.DataFrame:
    actuals = store.actuals()
    shipped = set(store.batches().query("source_kind == 'reference'").id)
    return actuals[~actuals.batch_id.isin(shipped)]


def test_build_fills_every_reference_table(store):
    counts = store.table_counts()
    assert counts["province"] == 98 and counts["region"] == 6
    # 78 tasks of the plans' appendices and dated items, 38 duties of Tây Ninh's section III, 6 reporting duties
    assert counts["plan"] == 5 and counts["target"] == 63 and counts["task"] == 130
    # 3,321 units from 2025-07-01, 10,035 wards and 696 districts before it, and the bodies the plans name
    assert counts["unit"] > 3321 + 10035 + 696 and counts["unit_group"] >= 5
    assert counts["indicator"] >= 90
    assert store.integrity_problems() == []


def test_building_twice_gives_the_same_database(store):
    before = _dump(store)
    build(store)
    assert _dump(store) == before


def test_a_rebuild_keeps_the_actuals_and_their_batches(store):
    batch, _ = import_rows(store, _batch([("42", date(2004, 1, 1), "sipas", "2022", 85.5)]), source="test")
    build(store)
    actuals = _analyst_rows(store)
    assert list(actuals.value) == [85.5] and list(actuals.batch_id) == [batch]


def test_every_actual_carries_its_batch_and_source(store):
    batch, content = import_rows(store, _batch([("42", date(2004, 1, 1), "papi_total", "2025", 43.1)]),
                                 source="PAPI 2025 report")
    row = _analyst_rows(store).iloc[0]
    assert (row.source, row.batch_id) == ("PAPI 2025 report", batch)
    info = store.batches().set_index("id").loc[batch]
    assert info.imported_by == "tester" and info.file_sha256 == file_digest(content)


def test_a_batch_with_an_existing_key_writes_nothing(store):
    import_rows(store, _batch([("42", date(2004, 1, 1), "sipas", "2022", 85.5)]), source="first")
    clash = _batch([("42", date(2004, 1, 1), "sipas", "2023", 86.0), ("42", date(2004, 1, 1), "sipas", "2022", 99.0)])
    with pytest.raises(ImportRefused, match="would change figures already stored"):
        import_rows(store, clash, source="second")
    assert list(_analyst_rows(store).value) == [85.5]
    assert list(store.batches().query("source_kind != 'reference'").source) == ["first"]


def test_a_build_that_would_orphan_an_actual_is_refused_and_changes_nothing(store, data_copy):
    import_rows(store, _batch([("42", date(2004, 1, 1), "sipas", "2022", 85.5)]), source="first")
    catalogue = data_copy / "indicators.yaml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace("code: sipas,", "code: sipas_renamed,")
                         .replace("parent: sipas,", "parent: sipas_renamed,"), encoding="utf-8")
    before = _dump(store)
    with pytest.raises(ValueError, match="sipas"):
        build(store, data_copy)
    assert _dump(store) == before


def test_a_period_is_stored_with_its_kind_and_dates(store):
    import_rows(store, _batch([("42", date(2004, 1, 1), "dossiers_online_pct", "2024-Q3", 40.0)]), source="t")
    row = store.query("SELECT period_kind, period_start, period_end FROM actual WHERE period = ?", ["2024-Q3"]).iloc[0]
    assert (row.period_kind, str(row.period_start.date()), str(row.period_end.date())) == ("quarter", "2024-07-01",
                                                                                           "2024-09-30")


def test_targets_keep_their_verbatim_sentence_and_province_key(store):
    targets = store.targets([("72", date(2004, 1, 1))])
    assert len(targets) == 11
    assert set(targets.province_name) == {"Tây Ninh"}
    assert len(targets) and all(len(q) > 20 for q in targets.source_quote)


@pytest.mark.parametrize("tricky", ["x'); DROP TABLE actual; --", "papi_total' OR ''='", "papi_total\\"])
def test_a_values_with_quotes_is_passed_as_a_parameter_not_pasted(store, tricky):
    """Both backends: a read's filters are values (DuckDB's parameters; psycopg's quoting where PostgreSQL's
    planner gets them), so a code with quotes matches nothing and changes nothing."""
    before = store.table_counts()["actual"]
    assert store.actuals(province_code=tricky).empty
    assert store.actuals(indicator_code=tricky).empty and store.indicator_actuals(tricky).empty
    assert not store.actuals(indicator_code="papi_total").empty
    assert store.table_counts()["actual"] == before > 0
