"""How many concurrent sessions the dashboard sustains on PostgreSQL with a rerun p95 under 1 s: on one replica,
then two and three behind nginx (deploy/run.sh), on this machine. Reported, never asserted.

    python3 -m bench.sessions [--replicas 1,2,3] [--sessions 4,6,8,12,16,24,32,48] [--seconds 30] [--think 2] [--quick]

Each session is a websocket client speaking Streamlit's own protocol (the protobuf messages its browser sends):
it opens a page (Overview, Profile, Compare, Rankings, Plans, Data in turn), then asks for a rerun of it, waits
for the script to finish, waits a think time (0.5–1.5× ``--think``) and asks again, for ``--seconds`` from the
moment every session of the step has had its first run (reported apart: a new session's first reads). Each
session has its own sticky-route cookie, so nginx spreads sessions over the replicas as it spreads browsers.
A rerun here is the whole page script with warm caches (the data version read, the page drawn), what a filter
change costs without its new read. The clients run on the same two cores as the servers: no browser, so they
take little of them. The floor, measured in the same run: one session alone on one replica.

The deployment is deploy/run.sh's, in a state folder of its own (ports 58xxx), built from data/; stopped at the
end. """

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGES = ["", "profile", "compare", "rankings", "plans", "data"]
PORTS = {"KPI_PG_PORT": "58432", "KPI_HTTP_PORT": "58080", "KPI_APP_PORT": "58601"}


async def session(url: str, page: str, run: dict, think: float) -> None:
    """One viewer: opens ``page``, then reruns it after a think time until the step ends. A rerun counts once
    every session of the step has had its first run (new sessions arriving all at once are not a rerun)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    host = url.rstrip("/").split("//", 1)[1]
    headers = {"Origin": url.rstrip("/"), "Cookie": f"kpi_route={random.getrandbits(64):x}"}
    rerun = BackMsg()
    rerun.rerun_script.page_name = page
    first = True
    try:
        async with websockets.connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"],
                                      additional_headers=headers, max_size=None, open_timeout=60) as ws:
            run["replicas"].add(ws.response.headers.get("X-Kpi-Replica", "?"))
            while not run["stop"].is_set():
                started = time.perf_counter()
                await ws.send(rerun.SerializeToString())
                while True:
                    msg = ForwardMsg()
                    msg.ParseFromString(await asyncio.wait_for(ws.recv(), 120))
                    kind = msg.WhichOneof("type")
                    if kind == "script_finished":
                        break
                    if kind == "page_not_found":
                        run["errors"].append(f"page not found: {page}")
                    elif (kind == "delta" and msg.delta.WhichOneof("type") == "new_element"
                          and msg.delta.new_element.WhichOneof("type") == "exception"):
                        run["errors"].append(f"an exception on {page or 'the Overview'}")
                took = time.perf_counter() - started
                if first:
                    run["firsts"].append(took)
                    first = False
                    if len(run["firsts"]) == run["n"]:
                        run["everyone_in"].set()
                elif run["everyone_in"].is_set():
                    run["times"].append(took)
                await asyncio.sleep(think * random.uniform(0.5, 1.5))
    except Exception as error:  # noqa: BLE001 - a refused or dropped session is counted, not raised
        run["errors"].append(f"{type(error).__name__}: {error}")
        if first:
            run["firsts"].append(float("nan"))
            if len(run["firsts"]) == run["n"]:
                run["everyone_in"].set()


async def load(url: str, n: int, seconds: float, think: float) -> dict:
    run = {"n": n, "times": [], "firsts": [], "errors": [], "replicas": set(), "stop": asyncio.Event(),
           "everyone_in": asyncio.Event()}
    tasks = [asyncio.create_task(session(url, PAGES[i % len(PAGES)], run, think)) for i in range(n)]
    try:
        await asyncio.wait_for(run["everyone_in"].wait(), 300)
    except TimeoutError:
        run["errors"].append("the sessions' first runs took over 300 s")
    await asyncio.sleep(seconds)
    run["stop"].set()
    await asyncio.gather(*tasks)
    ordered = sorted(run["times"])
    firsts = [t for t in run["firsts"] if t == t]
    return {"n": n, "reruns": len(ordered), "errors": run["errors"], "replicas": len(run["replicas"]),
            "p95": ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan"),
            "median": statistics.median(ordered) if ordered else float("nan"),
            "first_median": statistics.median(firsts) if firsts else float("nan")}


def deploy(state: Path, *args: str) -> None:
    env = {**os.environ, **PORTS, "KPI_DEPLOY_STATE": str(state)}
    subprocess.run(["bash", "deploy/run.sh", *args], check=True, cwd=REPO, env=env, stdout=subprocess.DEVNULL)


def line(r: dict) -> str:
    return (f"{r['n']:>4} sessions  {r['replicas']} replica(s) used  {r['reruns']:>5} reruns  "
            f"p95 {r['p95'] * 1000:>6.0f} ms  median {r['median'] * 1000:>5.0f} ms  "
            f"first run {r['first_median'] * 1000:>5.0f} ms  errors {len(r['errors'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", default="1,2,3")
    parser.add_argument("--sessions", default="4,6,8,12,16,24,32,48")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think", type=float, default=2.0)
    parser.add_argument("--quick", action="store_true", help="one replica, 2 and 4 sessions, 8 s each")
    args = parser.parse_args()
    if args.quick:
        args.replicas, args.sessions, args.seconds = "1", "2,4", 8
    counts = [int(x) for x in args.sessions.split(",")]
    url = f"http://127.0.0.1:{PORTS['KPI_HTTP_PORT']}/"
    state = Path(tempfile.mkdtemp(prefix="kpi-sessions-"))
    state.chmod(0o755)   # PostgreSQL's user reads its data folder inside
    sustained = {}
    try:
        for replicas in [int(x) for x in args.replicas.split(",")]:
            deploy(state, "up", str(replicas))
            asyncio.run(load(url, 1, 5, args.think))           # every replica's caches warm
            if replicas == 1:
                floor = asyncio.run(load(url, 1, args.seconds, args.think))
                print(f"floor, one session alone on one replica: {line(floor)}")
                if floor["errors"] or not floor["reruns"]:
                    print("one session alone failed:", *sorted(set(floor["errors"]))[:3], sep="\n  ")
                    return 1
            print(f"\n{replicas} replica(s) behind nginx, think time {args.think:g} s, {args.seconds:g} s a step")
            sustained[replicas] = 0
            for n in counts:
                result = asyncio.run(load(url, n, args.seconds, args.think))
                print(line(result))
                for error in sorted(set(result["errors"]))[:3]:
                    print(f"      {error}")
                if result["errors"] or not result["p95"] < 1.0:
                    break
                sustained[replicas] = n
    finally:
        deploy(state, "stop")
        shutil.rmtree(state, ignore_errors=True)
    print("\nsessions sustained with a rerun p95 < 1 s (the largest step tried that held):")
    for replicas, n in sustained.items():
        ratio = f"  {n / sustained[1]:.1f}× one replica" if sustained.get(1) else ""
        print(f"  {replicas} replica(s): {n}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
