"""CPU priority of the report's processes: the renderer and its browser below the server's visitors (issue 25, F8).

Linux only (its /proc); elsewhere every function here does nothing and reports nothing. A nice value counts only
within a scheduling group where Linux groups each session's processes (autogroup): a browser started in a session
of its own gets its group's value lowered as well (:func:`lower_group_priority`), never the server's own group.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

# the renderer's and its browser's CPU priority below the server's (0–19): visitors' reruns come before charts. The
# tests, which keep every core busy on purpose, set KPI_REPORTS_NICE=0 (tests/conftest.py).
NICE = min(19, max(0, int(os.environ.get("KPI_REPORTS_NICE", "19"))))


def processes() -> tuple[dict[int, str], dict[int, int]]:
    """Every process's name and parent, from Linux's /proc (empty elsewhere)."""
    names, parents = {}, {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        end = stat.rfind(")")
        if end < 0 or "(" not in stat:      # the process ended while it was being read
            continue
        names[int(entry.name)], parents[int(entry.name)] = stat[stat.index("(") + 1:end], int(stat[end + 2:].split()[1])
    return names, parents


def below(pid: int, root: int, parents: dict[int, int]) -> bool:
    while pid > 1:
        pid = parents.get(pid, 0)
        if pid == root:
            return True
    return False


def lower_priority(root: int, nice: int) -> None:
    """Put a browser's processes at CPU priority ``nice`` (the helpers it starts later inherit it). Chromium runs in
    a session of its own (its driver starts it so), and where Linux groups each session's processes for the
    scheduler (autogroup, /proc/sys/kernel/sched_autogroup_enabled) a process's nice value counts only within its
    group: the whole browser would get as much CPU as the whole server. So the group's own value is set as well."""
    _, parents = processes()
    for pid in [root, *(p for p in parents if below(p, root, parents))]:
        try:
            os.setpriority(os.PRIO_PROCESS, pid, max(os.getpriority(os.PRIO_PROCESS, pid), nice))
        except OSError:      # gone meanwhile, or not ours to change: the charts are drawn all the same
            pass
    if nice > 0:             # a group starts at 0: only a lower priority needs setting
        lower_group_priority(root, nice=nice)


def lower_group_priority(pid: int, tries: int = 8, nice: int | None = None) -> bool:
    """Set the nice value of ``pid``'s scheduling group (its session's autogroup) to ``nice`` (default NICE), unless
    that group is the server's own. Linux lets an unprivileged process raise it, once per 100 ms system-wide: a
    refusal is tried again a few times. True when the group's value is ``nice``."""
    nice = NICE if nice is None else nice
    group = Path(f"/proc/{pid}/autogroup")
    try:
        if os.getsid(pid) == os.getsid(0):
            return False                 # the server's own group: lowering it would slow the visitors down
        for _ in range(tries):
            try:
                group.write_text(str(nice))
                return group_nice(pid) == nice
            except OSError as refused:
                if refused.errno not in (errno.EAGAIN, errno.EIO, errno.EBUSY):
                    return False
                time.sleep(0.12)
    except OSError:                      # no autogroup (not Linux, or switched off), or the process is gone
        return False
    return False


def group_nice(pid: int) -> int | None:
    """The nice value of ``pid``'s scheduling group, or None where there is none to read: not Linux, autogroup
    switched off (the file can then be empty), or the process gone."""
    try:
        words = Path(f"/proc/{pid}/autogroup").read_text().split()
        return int(words[-1]) if words and words[-1].lstrip("-").isdigit() else None
    except OSError:
        return None


def chromium_browsers(under: int | None = None) -> list[int]:
    """The process ids of the Chromium browsers running below process ``under`` (default: this one), one per
    browser: a Chromium process whose parent is not a Chromium (its renderers and helpers are not counted).
    Linux's /proc; an empty list elsewhere."""
    root = os.getpid() if under is None else under
    names, parents = processes()
    chromium = {pid for pid, name in names.items() if name.startswith("chrom")}
    return sorted(pid for pid in chromium if parents[pid] not in chromium and below(pid, root, parents))
