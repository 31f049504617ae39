"""Issue 30, point 4, in a real browser: an analyst signed in goes from the Overview to a finished import in at most
five clicks (choosing the file counts as one), and the outcome is the first message the page then shows."""

import pytest

from indicators.i18n import label
from tests.conftest import PASSWORD
from tests.test_browser import WAIT_MS, _settled, launch, serve_copy
from tests.test_browser_journeys import Clicks

pytestmark = pytest.mark.slow  # a real server and Chromium

FIGURES = ("tỉnh,chỉ tiêu,kỳ,giá trị,nguồn\n"
           "Hà Tĩnh,satisfaction_procedures_pct,2022,\"86,5\",Báo cáo 321/BC-UBND (browser import)\n"
           "Nghệ An,satisfaction_procedures_pct,2022,\"88,5\",Báo cáo 321/BC-UBND (browser import)\n")


@pytest.fixture(scope="module")
def server(users_db, tmp_path_factory):
    with serve_copy(users_db, tmp_path_factory, "browser-import") as url:  # an admin, analysts and a viewer
        yield url


def _signed_in_on_the_overview(page, server: str) -> None:
    """The journey's start: the analyst has signed in (on the Import page, which asks for it) and is back on the
    Overview through the menu, in the same browser session."""
    page.goto(server + "imports")
    _settled(page)
    page.get_by_role("textbox", name=label("user_name", "vi")).fill("lan")
    page.get_by_role("textbox", name=label("password", "vi")).fill(PASSWORD)
    page.get_by_role("button", name=label("sign_in", "vi")).click()
    page.locator("[data-testid='stSidebar']").get_by_text("lan").first.wait_for(timeout=WAIT_MS)
    page.locator("[data-testid='stSidebarNav'] a").first.click()    # the menu's first entry: the Overview
    _settled(page)
    assert "imports" not in page.url


def test_an_analyst_goes_from_the_overview_to_a_finished_import_in_at_most_five_clicks(server, tmp_path):
    upload = tmp_path / "so-lieu-2022.csv"
    upload.write_text(FIGURES, encoding="utf-8")
    with launch() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        _signed_in_on_the_overview(page, server)
        clicks = Clicks(page)
        clicks.click(page.locator("[data-testid='stSidebarNav'] a").filter(has_text=label("page_import", "vi")))
        _settled(page)
        chooser = "[data-testid='stFileUploader'] input[type=file]"
        page.wait_for_selector(chooser, state="attached", timeout=WAIT_MS)
        _uploader_speaks(page, "vi")
        page.set_input_files(chooser, str(upload))          # choosing the file: one click
        clicks.count += 1
        commit = page.get_by_role("button", name=label("commit", "vi"))
        commit.wait_for(timeout=WAIT_MS)                    # the preview is shown by itself
        _settled(page)
        main = page.locator("[data-testid='stMain']")
        preview = main.locator("[data-testid='stDataFrame']").first
        assert preview.count() == 1
        clicks.click(commit)
        page.locator("[data-testid='stAlertContentSuccess']").wait_for(timeout=WAIT_MS)
        _settled(page)
        alerts = main.locator("[data-testid='stAlert']")
        assert "thêm 2" in alerts.first.inner_text() and alerts.first.locator(
            "[data-testid='stAlertContentSuccess']").count() == 1   # the outcome is the first message
        assert "Không có gì để ghi" not in main.inner_text()       # and no stale "nothing to write" below it
        assert clicks.count <= 5, clicks.count
        assert page.locator("[data-testid='stException']").count() == 0


def _uploader_speaks(page, lang: str) -> None:
    """Streamlit's uploader writes "Upload" and "10MB per file" in English: what a reader sees instead is the
    language's own words (CSS put them in; the English texts are hidden)."""
    zone = page.locator("[data-testid='stFileUploaderDropzone']").first
    shown = zone.evaluate("""z => [z.querySelector('button [data-testid=stMarkdownContainer]'),
                                   z.querySelector('[data-testid=stFileUploaderDropzoneInstructions] > div')]
                                  .map(e => getComputedStyle(e, '::after').content)""")
    assert shown == [f'"{label("upload_choose", lang)}"', f'"{label("upload_limit", lang, mb=10)}"']
    assert "Upload" not in zone.inner_text() and "per file" not in zone.inner_text()
