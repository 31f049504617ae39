"""Issue 30, point 1, in a real browser: "are we on track?" in at most three clicks from the dashboard's address,
and the province chosen is remembered by the browser for the next visit."""

import pytest

from indicators.i18n import label
from tests.test_browser import WAIT_MS, _settled, launch, serve_copy

pytestmark = pytest.mark.slow  # a real server and Chromium


@pytest.fixture(scope="module")
def server(built_db, tmp_path_factory):
    with serve_copy(built_db, tmp_path_factory, "journeys") as url:
        yield url


class Clicks:
    """A page whose clicks are counted."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def click(self, locator) -> None:
        locator.click()
        self.count += 1


def test_a_leader_sees_whether_the_province_is_on_track_in_at_most_three_clicks(server):
    with launch() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.goto(server)
        _settled(page)
        clicks = Clicks(page)
        clicks.click(page.locator("[data-testid='stSelectbox']").first)          # the scope: whole country now
        page.keyboard.type("Tây Ninh")
        clicks.click(page.get_by_role("option").filter(has_text="Tây Ninh").first)
        _settled(page)
        page.wait_for_selector(f"text={label('composites', 'vi')}", timeout=WAIT_MS)
        body = page.locator("[data-testid='stMain']").inner_text()
        # the targets by status, the tasks (done, late, not reported), the indices and what changed, for Tây Ninh
        assert "Tây Ninh" in body
        assert "mục tiêu" in body and "Tiến độ nhiệm vụ" in body and "Các chỉ số tổng hợp" in body
        assert "Thay đổi so với năm" in body or "đổi trạng thái so với năm" in body
        assert len(page.locator("[data-testid='stMetric']").all()) >= 7
        assert clicks.count <= 3 and page.locator("[data-testid='stException']").count() == 0
        assert "province=80" in page.url
        # tomorrow, the same browser opens the bare address: the province it chose is the one shown
        assert [c["value"] for c in context.cookies() if c["name"] == "kpi_province"] == ["80%402025"]
        again = context.new_page()
        again.goto(server)
        _settled(again)
        assert "province=80" in again.url and "Tây Ninh" in again.locator("[data-testid='stMain']").inner_text()
        context.close()
