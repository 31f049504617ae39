import atexit
import os
import sys

from indicators.reports.prelaunch import is_word_report, start_early

start_early(sys.argv[1:])   # a Word report's browser starts while the command loads (reports/prelaunch.py)

from indicators.cli.main import main  # noqa: E402 - after the browser was started

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:  # e.g. piped into `head`: stop quietly
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 0
if is_word_report(sys.argv[1:]):
    # The report is written and its stores closed: what is left to do at exit is the exit handlers (the browser
    # closed, the logs flushed), run now; the interpreter's own teardown of every module (pandas, plotly…, a
    # quarter of a second) is skipped.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
sys.exit(code)
