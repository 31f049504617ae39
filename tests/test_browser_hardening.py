"""Browser tests of issue 12 against a real `streamlit run`: planted text is plain in the rendered pages (no link,
image or request made from it), and a signed-in session cannot be taken over by a second connection that names
its session id (as an upload URL shows it to any proxy log)."""

import re
import time
from pathlib import Path

import pytest

from tests.test_browser import _settled, _sign_in, launch, serve_copy
from tests.test_hardening_pages import plant

pytestmark = pytest.mark.slow  # a real server and Chromium: left out of `pytest -m "not slow"`


@pytest.fixture(scope="module")
def planted_server(users_db, tmp_path_factory):
    with serve_copy(users_db, tmp_path_factory, "planted", prepare=plant) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(planted_server):
    with launch() as instance:
        yield instance


# What planted text made of an element (``root``): links, images, SVG markup, emphasis, and its text as shown.
MADE = """(root) => ({
    links: root.querySelectorAll('a[href*="evil.example"]').length,
    images: root.querySelectorAll('img[src*="host.example"]').length,
    svg: [...root.querySelectorAll('svg a, svg b')].filter(e => /evil|đậm/.test(e.textContent)).length,
    styled: [...root.querySelectorAll('[data-testid="stMarkdownContainer"] span, strong, b')]
               .filter(e => /CẢNH BÁO/.test(e.textContent) && !/\\:red\\[/.test(e.textContent)).length,
    text: [root.innerText, ...[...root.querySelectorAll('[data-testid="stDataFrame"] table')].map(t => t.textContent)]
            .join('\\n').replaceAll('\u2060', '')})"""
SHOWN = ":red[**CẢNH BÁO: số liệu sai**]"  # the planted markdown, as the characters it is


def _drawn(page) -> None:
    """Every chart and table of the finished run drawn: Plotly's SVG in each chart, and in each data frame shown
    (not one in a closed expander) the table of cells that the grid writes beside its canvas once it is in view."""
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
                           ".every(chart => chart.querySelector('.main-svg'))", timeout=30000)
    for frame in page.get_by_test_id("stDataFrame").all():
        if not frame.is_visible():       # inside a closed expander: not drawn until it is opened
            continue
        frame.scroll_into_view_if_needed()
        frame.locator("table").wait_for(state="attached", timeout=30000)


def _tooltips(page) -> list[dict]:
    """What each help tooltip of the page shows (help texts are markdown, drawn only while hovered)."""
    seen = []
    icons = page.get_by_test_id("stTooltipIcon")
    for index in range(icons.count()):
        icons.nth(index).evaluate("icon => icon.scrollIntoView({block: 'center'})")  # not under the page's header
        icons.nth(index).hover()
        tip = page.get_by_test_id("stTooltipContent")
        tip.first.wait_for(timeout=10000)
        seen += [tip.nth(i).evaluate(MADE) for i in range(tip.count())]
        page.mouse.move(0, 0)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stTooltipContent\"]')",
                               timeout=10000)
    return seen


@pytest.mark.parametrize("path", ["?lang=en&province=42@2025", "profile?lang=en&province=42@2004",
                                  "rankings?lang=en&view=table", "plans?lang=en", "data?lang=en"])
def test_planted_text_renders_as_plain_text_in_the_browser(planted_server, chromium, path):
    page = chromium.new_page(viewport={"width": 1400, "height": 1400})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(planted_server + path)
    _settled(page)
    _drawn(page)
    made = [page.locator("body").evaluate(MADE)] + _tooltips(page)  # the page, then each tooltip
    for each in made:
        assert (each["links"], each["images"], each["svg"], each["styled"]) == (0, 0, 0, 0), each
    assert not [u for u in requests if "host.example" in u or "evil.example" in u]
    assert any(SHOWN in each["text"] for each in made), [each["text"][:300] for each in made]  # it was on the page
    page.close()


def _session_id_of_an_upload(page, server: str, tmp_path: Path) -> str:
    seen = []
    page.on("request", lambda request: seen.append(request.url))
    upload = tmp_path / "x.csv"
    upload.write_text("province,indicator,period,value,source\nHà Tĩnh,sipas,2023,80,BC\n", encoding="utf-8")
    page.wait_for_selector("[data-testid='stFileUploader'] input[type=file]", state="attached", timeout=30000)
    page.set_input_files("[data-testid='stFileUploader'] input[type=file]", str(upload))
    page.get_by_role("button", name="Write to the database").wait_for(timeout=30000)
    found = [re.search(r"/_stcore/upload_file/([^/]+)/", u) for u in seen]
    return next(m.group(1) for m in found if m)


def _rerun_as(server: str, session_id: str, query: str) -> str:
    """A second connection naming ``session_id`` (what an attacker who read a proxy log can do): it asks for a
    rerun of the import page and returns everything the server sent back, as text."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    ws_url = server.replace("http://", "ws://") + "_stcore/stream"
    texts = []
    with connect(ws_url, subprotocols=["streamlit", "xsrf-unknown", session_id], origin=server.rstrip("/"),
                 open_timeout=20) as socket:
        back = BackMsg()
        back.rerun_script.query_string = query
        back.rerun_script.page_name = "imports"
        socket.send(back.SerializeToString())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                data = socket.recv(timeout=5)
            except TimeoutError:
                break
            message = ForwardMsg.FromString(data)
            texts.append(str(message))
            if message.HasField("script_finished"):
                break
    return "\n".join(texts)


def test_a_second_connection_naming_a_signed_in_session_is_not_signed_in(planted_server, chromium, tmp_path):
    page = chromium.new_page(viewport={"width": 1400, "height": 1200})
    _sign_in(page, planted_server + "imports?lang=en", "admin")
    session_id = _session_id_of_an_upload(page, planted_server, tmp_path)
    seen = _rerun_as(planted_server, session_id, "lang=en&tab=users")
    assert "Signed in" not in seen and "make_backup" not in seen and "add_user" not in seen
    assert "does not come from the browser" in seen  # the session was signed out, and says why
    page.close()
