"""Browser journey of issue 14, on a real server in Debian's Chromium: a province analyst marks a task done, a
unit's reporter enters its self-assessment (and is refused for another unit), the analyst appraises, and the
league table ranks. Screenshots go to $KPI_TEST_ARTIFACTS/browser/."""

from datetime import date

import pytest

from indicators.services.auth import User, add_user
from indicators.storage import open_store
from tests.conftest import PASSWORD
from tests.test_browser import ARTIFACTS, WAIT_MS, _settled, _sign_in, launch, serve_copy

pytestmark = pytest.mark.slow

CRITERIA = ("province,unit,year,stage,criterion,criterion_name,max_points,points\n"
            "80,80-SNV,2025,appraised,1,Công tác chỉ đạo điều hành CCHC,10,\n"
            "80,80-SNV,2025,appraised,1.1,Kế hoạch CCHC năm,4,\n"
            "80,80-SNV,2025,appraised,1.2,Báo cáo CCHC,6,\n")


def _prepare(path: str) -> None:
    store = open_store(path)
    admin = store.account("admin")
    acting = User(admin["name"], admin["display_name"], admin["role"])
    add_user(store, acting, "snv.tayninh", PASSWORD, "reporter", unit=("80", date(2025, 7, 1), "80-SNV"))
    store.close()


@pytest.fixture(scope="module")
def server(users_db, tmp_path_factory):
    with serve_copy(users_db, tmp_path_factory, "browser-units", _prepare) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    with launch() as instance:
        yield instance


def _upload(page, path, button: str = "Write to the database", refusal: str | None = None) -> None:
    """Upload on the Import page the session is on (a new page load would be a new, signed-out session); wait for
    the confirm button, or with ``refusal`` for the preview's refusal (no button is offered then)."""
    _settled(page)
    page.wait_for_selector("[data-testid='stFileUploader'] input[type=file]", state="attached", timeout=WAIT_MS)
    page.set_input_files("[data-testid='stFileUploader'] input[type=file]", str(path))
    if refusal:
        page.get_by_text(refusal).first.wait_for(state="attached", timeout=WAIT_MS)   # a cell of the problems grid
    else:
        page.get_by_role("button", name=button).wait_for(timeout=WAIT_MS)
    _settled(page)


def test_the_province_and_unit_journey(server, browser, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # 1. the analyst marks a task of old Tây Ninh's programme done, on the Plans page's form
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    _sign_in(page, server + "plans?lang=en&provinces=Tây Ninh", "lan")     # the form signs in on the page itself
    _settled(page)
    task = page.get_by_label("Task", exact=True)
    task.click()
    page.keyboard.type("III.6.b")                 # the list is long and drawn lazily: filter it, then choose
    page.get_by_role("option", name="III.6.b").first.click()
    _settled(page)
    form = page.get_by_test_id("stForm")
    form.get_by_role("combobox", name="Status").click()
    page.get_by_role("option", name="Done", exact=True).click()
    form.get_by_role("spinbutton", name="day, Completed on").click()
    page.keyboard.type("20122025")          # dd, mm, yyyy: each segment moves on to the next
    form.get_by_label("Evidence", exact=True).fill("Báo cáo 45/BC-STC")
    form.get_by_role("button", name="Save").click()
    page.get_by_text("Progress written").wait_for(timeout=WAIT_MS)
    page.screenshot(path=str(ARTIFACTS / "task-done.png"), full_page=True)
    # 2. the analyst defines the index's criteria (an upload through the same engine)
    criteria = tmp_path / "tieu-chi.csv"
    criteria.write_text(CRITERIA, encoding="utf-8")
    _sign_in(page, server + "imports?lang=en", "lan")
    _upload(page, criteria)
    page.get_by_role("button", name="Write to the database").click()
    page.get_by_text("inserted").first.wait_for(timeout=WAIT_MS)
    page.close()

    # 3. the reporter of Sở Nội vụ enters its self-assessment, and is refused for another unit
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    _sign_in(page, server + "imports?lang=en", "snv.tayninh")
    own = tmp_path / "tu-danh-gia.csv"
    own.write_text("province,unit,year,stage,criterion,points\n80,80-SNV,2025,tự đánh giá,1.1,4\n"
                   "80,80-SNV,2025,tự đánh giá,1.2,6\n", encoding="utf-8")
    _upload(page, own)
    page.get_by_role("button", name="Write to the database").click()
    page.get_by_text("2 inserted").wait_for(timeout=WAIT_MS)
    other = tmp_path / "don-vi-khac.csv"
    other.write_text("province,unit,year,stage,criterion,points\n80,80-STP,2025,tự đánh giá,1.1,4\n",
                     encoding="utf-8")
    _upload(page, other, refusal="a reporter assesses only its own unit")    # refused at the preview already
    assert page.get_by_role("button", name="Write to the database").count() == 0
    page.screenshot(path=str(ARTIFACTS / "reporter-refused.png"), full_page=True)
    page.close()

    # 4. the analyst appraises both departments; 5. the league table ranks them
    page = browser.new_page(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
    _sign_in(page, server + "imports?lang=en", "lan")
    appraisal = tmp_path / "tham-dinh.csv"
    appraisal.write_text("province,unit,year,stage,criterion,points\n80,80-SNV,2025,thẩm định,1.1,3.5\n"
                         "80,80-SNV,2025,thẩm định,1.2,5\n80,80-STP,2025,thẩm định,1.1,4\n"
                         "80,80-STP,2025,thẩm định,1.2,6\n", encoding="utf-8")
    _upload(page, appraisal)
    page.get_by_role("button", name="Write to the database").click()
    page.get_by_text("4 inserted").wait_for(timeout=WAIT_MS)
    page.goto(server + "units?lang=en&province=80@2025&tab=departments")
    _settled(page)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=WAIT_MS)
    page.screenshot(path=str(ARTIFACTS / "league-departments.png"), full_page=True)
    with page.expect_download(timeout=WAIT_MS) as info:
        page.get_by_role("button", name="Download table (CSV)").click()
    saved = tmp_path / "league.csv"
    info.value.save_as(saved)
    lines = saved.read_bytes().decode("utf-8-sig").splitlines()
    assert lines[1].startswith("1,80-STP") and lines[2].startswith("2,80-SNV")     # 10 points before 8.5
    assert ",8.50,10.00," in lines[2]           # appraised 8.5, self-assessed 10: the difference is shown
    page.goto(server + "units?lang=en&province=80@2025&tab=unit&unit=80-STC@2025")
    _settled(page)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=WAIT_MS)
    page.get_by_text("done 1 of").first.wait_for(timeout=WAIT_MS)     # the task marked done in step 1
    page.screenshot(path=str(ARTIFACTS / "unit-page.png"), full_page=True)
    page.goto(server + "units?lang=en&province=VN&tab=communes")
    _settled(page)
    page.wait_for_selector(".js-plotly-plot", timeout=60000)
    page.screenshot(path=str(ARTIFACTS / "commune-map.png"))
    page.close()

