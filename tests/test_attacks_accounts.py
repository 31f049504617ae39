"""Issue 25, F1 and F5: accounts and the sign-in throttle, replayed as attacks.

F1: a reporter that moves itself to another unit (``users set SELF --unit OTHER``) and writes that unit's data.
F5: many wrong guesses at once, each checked by bcrypt because the throttle counted them only afterwards; and a
stranger's burst locking the owner out. Run on both backends (``--backend=postgresql`` adds the replicas' case:
guesses from several processes at once)."""

import subprocess
import sys
import textwrap
import threading
import time
from datetime import date, timedelta

import bcrypt
import pytest

from indicators.cli.main import main
from indicators.imports import commit
from indicators.services import auth
from indicators.services.auth import PermissionDenied, SignInRefused, User, add_user, set_user, unlock_sign_in
from tests.conftest import PASSWORD, REPO
from tests.test_progress import HT, _csv, _preview

SNV = ("42", date(2004, 1, 1), "42-SNV")      # the reporter's own unit (Sở Nội vụ of Hà Tĩnh)
STP = ("42", date(2004, 1, 1), "42-STP")      # another unit of the province (Sở Tư pháp), lead of task 2.1
OTHER_UNIT = "42@2004-01-01:42-STP"
NEW_PASSWORD = "another long password"


# --- F1: accounts -------------------------------------------------------------------------------------------------

@pytest.fixture
def people(store):
    admin = add_user(store, None, "admin1", PASSWORD, "admin")
    analyst = add_user(store, admin, "analyst1", PASSWORD, "analyst")
    reporter = add_user(store, admin, "nv.hatinh", PASSWORD, "reporter", unit=SNV)
    return admin, analyst, reporter


def _unit_of(store, name: str) -> str | None:
    return store.account(name)["unit_code"]


def _other_units_progress(store):
    return _preview(store, _csv([[HT, "2.1", "", "in_progress", "", "", "", ""]]))     # led by Sở Tư pháp


def test_a_reporter_cannot_move_itself_to_another_unit_and_write_there(store, people):
    _, _, reporter = people
    with pytest.raises(PermissionDenied, match="admin"):
        set_user(store, reporter, "nv.hatinh", unit=STP)
    with pytest.raises(PermissionDenied, match="admin"):
        set_user(store, reporter, " NV.HATINH ", unit=STP, password=NEW_PASSWORD)   # not with a password change
    assert _unit_of(store, "nv.hatinh") == "42-SNV"
    with pytest.raises(PermissionDenied, match="not led by the unit 42-SNV"):
        commit(store, _other_units_progress(store), reporter)
    assert store.task_progress().empty


def test_the_cli_refuses_a_reporter_moving_itself_and_its_write_to_the_other_unit(store, people, tmp_path,
                                                                                   monkeypatch, capsys):
    monkeypatch.setenv("KPI_PASSWORD", PASSWORD)
    db = str(store.path)
    assert main(["users", "set", "nv.hatinh", "--unit", OTHER_UNIT, "--user", "nv.hatinh", "--db", db]) == 2
    assert "needs the admin role" in capsys.readouterr().err
    assert _unit_of(store, "nv.hatinh") == "42-SNV"
    sheet = tmp_path / "progress.csv"
    sheet.write_bytes(_csv([[HT, "2.1", "", "in_progress", "", "", "", ""]]))
    assert main(["import", str(sheet), "--user", "nv.hatinh", "--db", db]) == 2
    assert "not led by the unit 42-SNV" in capsys.readouterr().err
    assert store.task_progress().empty
    # an admin may move the reporter; then, and only then, the reporter writes for the new unit
    assert main(["users", "set", "nv.hatinh", "--unit", OTHER_UNIT, "--user", "admin1", "--db", db]) == 0
    assert _unit_of(store, "nv.hatinh") == "42-STP"
    assert main(["import", str(sheet), "--user", "nv.hatinh", "--db", db]) == 0
    assert store.task_progress().ref.tolist() == ["2.1"]


def test_anyone_changes_their_own_password_and_nothing_else(store, people, monkeypatch, capsys):
    admin, analyst, reporter = people
    set_user(store, reporter, "nv.hatinh", password=NEW_PASSWORD)
    assert auth.authenticate(store, "nv.hatinh", NEW_PASSWORD, channel="cli").unit == SNV
    monkeypatch.setenv("KPI_PASSWORD", PASSWORD)
    monkeypatch.setenv("KPI_NEW_PASSWORD", NEW_PASSWORD)
    assert main(["users", "set", "analyst1", "--password", "--user", "analyst1", "--db", str(store.path)]) == 0
    assert auth.authenticate(store, "analyst1", NEW_PASSWORD, channel="cli").role == "analyst"
    for who, changes in ((reporter, {"role": "analyst"}), (reporter, {"disabled": False}),
                         (analyst, {"role": "admin"}), (analyst, {"disabled": True}),
                         (analyst, {"role": "reporter", "unit": SNV})):
        with pytest.raises(PermissionDenied, match="admin"):
            set_user(store, who, who.name, **changes)
    with pytest.raises(PermissionDenied, match="admin"):          # another user's password
        set_user(store, analyst, "nv.hatinh", password="an attacker's password")
    with pytest.raises(PermissionDenied):
        set_user(store, None, "nv.hatinh", password="an attacker's password")
    rows = store.users().set_index("name")
    assert rows.loc["analyst1"].role == "analyst" and not rows.loc["analyst1"].disabled
    assert rows.loc["nv.hatinh"].role == "reporter" and rows.loc["nv.hatinh"].unit_code == "42-SNV"
    # what only an admin may do, an admin does
    set_user(store, admin, "nv.hatinh", unit=STP)
    set_user(store, admin, "analyst1", role="viewer", disabled=True)
    rows = store.users().set_index("name")
    assert rows.loc["nv.hatinh"].unit_code == "42-STP"
    assert rows.loc["analyst1"].role == "viewer" and rows.loc["analyst1"].disabled


# --- F5: the sign-in throttle ---------------------------------------------------------------------------------

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


@pytest.fixture
def checks(monkeypatch):
    """Every bcrypt check of a password, counted (the spy calls the real one)."""
    done = []
    lock = threading.Lock()
    real = bcrypt.checkpw

    def spy(password, hashed):
        with lock:
            done.append(password)
        return real(password, hashed)

    monkeypatch.setattr(auth.bcrypt, "checkpw", spy)
    return done


def _burst(store, guesses: list[tuple[str, str]], name: str = "lan") -> list[BaseException | None]:
    """Every (password, address) guess at once, each from its own thread, released together."""
    start = threading.Barrier(len(guesses))
    outcomes: list[BaseException | None] = [None] * len(guesses)

    def guess(i: int, password: str, address: str) -> None:
        start.wait()
        try:
            auth.authenticate(store, name, password, address=address)
        except BaseException as exc:  # noqa: BLE001 - kept for the assertions
            outcomes[i] = exc

    threads = [threading.Thread(target=guess, args=(i, *g)) for i, g in enumerate(guesses)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcomes


def _sign_ins(store, name: str = "lan"):
    return store.query("SELECT outcome, channel, detail FROM audit_event WHERE action = 'sign_in' AND name = ?"
                       " ORDER BY id", [name])


def test_24_guesses_at_once_get_at_most_the_free_checks_and_the_owner_still_signs_in(engine, checks):
    outcomes = _burst(engine, [(f"guess {i} of the attacker", ATTACKER) for i in range(24)])
    assert len(outcomes) == 24 and all(isinstance(o, SignInRefused) for o in outcomes), outcomes
    assert len(checks) == auth.FREE_FAILURES
    log = _sign_ins(engine)
    assert log.outcome.value_counts().to_dict() == {"checking": len(checks), "failed": len(checks),
                                                    "throttled": 24 - len(checks)}
    assert set(log.channel) == {f"web {ATTACKER}"}
    # the owner, from their own address, right after the burst
    assert auth.authenticate(engine, "lan", PASSWORD, address=OWNER).name == "lan"
    # the attacker's address stays throttled: even the right password is not checked from it
    before = len(checks)
    with pytest.raises(SignInRefused) as refused:
        auth.authenticate(engine, "lan", PASSWORD, address=ATTACKER)
    assert refused.value.wait > 0 and len(checks) == before


def test_guesses_from_many_addresses_are_slowed_for_the_account_not_for_its_owners_usual_address(engine, checks,
                                                                                                  monkeypatch):
    assert auth.authenticate(engine, "lan", PASSWORD, address=OWNER).name == "lan"     # a familiar address
    del checks[:]
    many = auth.ACCOUNT_FREE_FAILURES + 6
    outcomes = _burst(engine, [(f"guess {i}", f"192.0.2.{i + 1}") for i in range(many)])
    assert len(outcomes) == many and all(isinstance(o, SignInRefused) for o in outcomes)
    assert len(checks) == auth.ACCOUNT_FREE_FAILURES
    assert auth.wait_before_sign_in(engine, "lan", address=OWNER) == 0      # the owner's usual address: not held
    # from an address the owner never used: slowed, never for longer than ACCOUNT_MAX_WAIT
    with pytest.raises(SignInRefused) as refused:
        auth.authenticate(engine, "lan", PASSWORD, address="2001:db8:7:7::1")
    assert 0 < refused.value.wait <= auth.ACCOUNT_MAX_WAIT and len(checks) == auth.ACCOUNT_FREE_FAILURES
    later = auth._now() + timedelta(seconds=auth.ACCOUNT_MAX_WAIT + 1)
    monkeypatch.setattr(auth, "_now", lambda: later)
    assert auth.authenticate(engine, "lan", PASSWORD, address="2001:db8:7:7::1").name == "lan"
    assert auth.authenticate(engine, "lan", PASSWORD, address=OWNER).name == "lan"


def test_an_ipv6_client_is_counted_by_its_network(engine, checks):
    for i in range(auth.FREE_FAILURES):
        with pytest.raises(SignInRefused):
            auth.authenticate(engine, "lan", "wrong guess!", address=f"2001:db8:1:2::{i + 1:x}")
    with pytest.raises(SignInRefused) as refused:
        auth.authenticate(engine, "lan", "wrong guess!", address="2001:db8:1:2:ffff::9")
    assert refused.value.wait > 0 and len(checks) == auth.FREE_FAILURES


def test_an_attempt_whose_check_never_ended_counts_as_a_failure(engine, checks):
    with engine.session() as session:   # a process that died while bcrypt ran
        for _ in range(auth.FREE_FAILURES):
            session.record_event(auth._now(), "lan", "sign_in", "checking", "cli", None)
    with pytest.raises(SignInRefused) as refused:
        auth.authenticate(engine, "lan", PASSWORD, channel="cli")
    assert refused.value.wait > 0 and not checks


def test_users_unlock_clears_the_throttle_and_only_an_admin_may(engine, checks, monkeypatch, capsys):
    _burst(engine, [("wrong guess!", ATTACKER)] * 8)
    with pytest.raises(SignInRefused):
        auth.authenticate(engine, "lan", PASSWORD, address=ATTACKER)
    with pytest.raises(PermissionDenied):
        unlock_sign_in(engine, User("minh", "minh", "analyst"), "lan", channel="web")
    monkeypatch.setenv("KPI_PASSWORD", PASSWORD)
    db = str(engine.path)
    assert main(["users", "unlock", "lan", "--user", "minh", "--db", db]) == 2
    assert "needs the admin role" in capsys.readouterr().err
    with pytest.raises(SignInRefused):
        auth.authenticate(engine, "lan", PASSWORD, address=ATTACKER)
    assert main(["users", "unlock", "ghost", "--user", "admin", "--db", db]) == 2
    assert main(["users", "unlock", "lan", "--user", "admin", "--db", db]) == 0
    assert auth.authenticate(engine, "lan", PASSWORD, address=ATTACKER).name == "lan"
    unlocked = _sign_ins(engine).query("outcome == 'unlocked'")
    assert unlocked[["channel", "detail"]].values.tolist() == [["cli", "by admin"]]


GUESSER = textwrap.dedent("""
    import sys, threading, time
    from indicators.services import auth
    from indicators.storage import open_store

    url, start, threads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    store = open_store(url)
    store.account("lan")                       # connected before the start
    barrier = threading.Barrier(threads)

    def guess(i):
        barrier.wait()
        try:
            auth.authenticate(store, "lan", f"guess {i} of process {sys.argv[4]}", address="203.0.113.66")
        except auth.SignInRefused:
            pass

    time.sleep(max(0.0, start - time.time()))
    workers = [threading.Thread(target=guess, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    store.close()
""")


@pytest.mark.postgres_only
def test_replicas_guessing_at_once_get_at_most_the_free_checks_between_them(engine):
    """Four processes (as four replicas of the server would), six guesses each at the same moment: PostgreSQL's
    advisory lock makes them wait for one another, so that no more than FREE_FAILURES passwords are checked."""
    start = time.time() + 8     # every process imported and connected by then
    processes = [subprocess.Popen([sys.executable, "-c", GUESSER, engine.path, str(start), "6", str(n)], cwd=REPO,
                                  stderr=subprocess.PIPE, text=True) for n in range(4)]
    for p in processes:
        assert p.wait(180) == 0, p.stderr.read()
    log = _sign_ins(engine)
    counts = log.outcome.value_counts().to_dict()
    assert counts.get("checking") == counts.get("failed") and set(counts) <= {"checking", "failed", "throttled"}
    assert counts["failed"] + counts.get("throttled", 0) == 24, counts
    assert 1 <= counts["failed"] <= auth.FREE_FAILURES, counts
    assert auth.authenticate(engine, "lan", PASSWORD, address=OWNER).name == "lan"
