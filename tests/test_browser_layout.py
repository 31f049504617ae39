"""Issue 30, point 2, in a real browser at a phone's, a laptop's and a projector's size: no page scrolls sideways,
the status cards are two to a row on a phone, no chart text is smaller than 12 px, the rankings' axis starts at
the scale's minimum, the map has a title and a colour bar; and the presentation view (?present=1) for meetings."""

import pytest

from indicators.i18n import label
from indicators.web.ui import PAGES
from tests.test_browser import WAIT_MS, _settled, launch, serve_copy

pytestmark = pytest.mark.slow  # a real server and Chromium

SIZES = {"phone": (390, 844), "laptop": (1366, 768), "projector": (1920, 1080)}
PATHS = ["" if url is None else url for _, _, _, url in PAGES]

# the page's and the main pane's widths beyond the window (the main pane is Streamlit's own scroll box)
OVERFLOW = """() => { const main = document.querySelector('[data-testid="stMain"]');
  return Math.max(document.documentElement.scrollWidth - window.innerWidth, main.scrollWidth - main.clientWidth); }"""
# every drawn text of every Plotly chart, with its size on screen (its font size times the scale it is drawn at:
# Plotly shrinks a bar's label to fit by a transform, which the computed font size does not show)
CHART_TEXTS = """() => [...document.querySelectorAll('.js-plotly-plot svg text')]
  .filter(t => t.textContent.trim() && getComputedStyle(t).display !== 'none' && t.getBBox().width > 0)
  .map(t => { const m = t.getCTM(); return [t.textContent.slice(0, 30), t.getAttribute('class') || '',
                                            parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)]; })"""


@pytest.fixture(scope="module")
def server(built_db, tmp_path_factory):
    with serve_copy(built_db, tmp_path_factory, "layout") as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    with launch() as instance:
        yield instance


def _open(page, url: str) -> None:
    """Open ``url`` and wait until its run has finished and its charts are drawn."""
    page.goto(url)
    _settled(page)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')].every("
                           "c => c.querySelector('.main-svg'))", timeout=WAIT_MS)
    page.wait_for_timeout(300)  # Plotly's own layout pass after its first draw (labels placed, shrunk or hidden)


def _resized(page, size: str) -> None:
    """The open page at ``size``: the CSS applies at once; Streamlit redraws each chart at its new width."""
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size])))
    page.wait_for_timeout(400)


def test_no_page_scrolls_sideways_and_no_chart_text_is_under_12_px_at_any_size(server, browser):
    """Each page is opened once (a page load is the slow part) and looked at in the three sizes."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    small, wide, phone_cards = {}, {}, None
    for path in PATHS:
        _open(page, server + path)
        assert page.locator("[data-testid='stException']").count() == 0, path
        for size in SIZES:
            _resized(page, size)
            where = f"{path or 'overview'} @ {size}"
            if (beyond := page.evaluate(OVERFLOW)) > 0:
                wide[where] = beyond
            if found := [text for text in page.evaluate(CHART_TEXTS) if text[2] < 11.95]:
                small[where] = found[:5]
            if path == "" and size == "phone":
                phone_cards = [page.locator(".st-key-cards_status [data-testid='stMetric']").nth(i).bounding_box()
                               for i in (0, 1)]
            if path == "rankings":   # every province's figure is drawn in its bar, at 12 px or more
                labels = [text for text in page.evaluate(CHART_TEXTS) if "bartext" in text[1]]
                assert len(labels) >= 55, (size, len(labels))
                # PAPI total, whose lowest province scores about 39: the bars start at the scale's minimum, 6
                axis = page.evaluate("() => document.querySelector('.js-plotly-plot')._fullLayout.xaxis.range")
                assert axis[0] == 6 and page.locator(".js-plotly-plot .xtick text").first.text_content() == "6"
    assert wide == {} and small == {}
    # on a phone the first two status cards share a row (same top, side by side), instead of one card a row
    first, second = phone_cards
    assert abs(first["y"] - second["y"]) < 2 and second["x"] >= first["x"] + first["width"] / 2
    page.close()


def test_the_map_has_a_legend_and_the_presentation_view_gives_it_the_screen(server, browser):
    width, height = SIZES["projector"]
    page = browser.new_page(viewport={"width": width, "height": height})
    _open(page, server + "rankings?view=map")
    plot = page.locator(".js-plotly-plot")   # the map: a title and a colour bar naming its bands
    assert plot.locator(".gtitle").first.text_content() == "PAPI – điểm tổng"
    assert plot.locator(".colorbar .cbtitle text").first.text_content() == label("chart_bands", "vi")
    assert "Nhóm 1" in plot.locator(".colorbar .cbaxis text").all_text_contents()
    page.get_by_role("button", name=label("present_enter", "vi")).click()   # in the sidebar
    page.wait_for_url("**present=1**", timeout=WAIT_MS)
    _open(page, page.url)   # kept in the URL: a link opens the presentation view again
    assert "present=1" in page.url and not page.locator("[data-testid='stSidebar']").is_visible()
    assert page.locator("[data-testid='stExpandSidebarButton']").count() == 0 or \
        not page.locator("[data-testid='stExpandSidebarButton']").is_visible()
    chart = page.locator("[data-testid='stPlotlyChart']").first.bounding_box()
    assert chart["height"] >= 0.8 * height
    main = page.locator("[data-testid='stMain']")
    # the language switch and the province stay within reach, in the page itself
    assert main.get_by_text("English").is_visible() and main.get_by_text(label("province", "vi")).first.is_visible()
    text_size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert text_size > 44   # larger type than the ordinary view's 44 px title
    main.get_by_text("English").click()
    page.wait_for_url("**lang=en**", timeout=WAIT_MS)
    _settled(page)
    assert "present=1" in page.url
    page.get_by_role("button", name=label("present_leave", "en")).click()
    page.wait_for_function("() => !location.search.includes('present=1')", timeout=WAIT_MS)
    _settled(page)
    assert "lang=en" in page.url and page.locator("[data-testid='stSidebar']").is_visible()
    page.close()
