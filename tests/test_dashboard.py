"""The class dashboard (issue 20): numbers, escaping, size, and the page in a real browser.

Most tests use a synthetic class (autograder/dashboard/synthetic.py: no kernel runs); one
grades the lab 01 sample class through the pipeline and checks that its most frequent
mistake is one of the ``buggy`` student's.  Browser tests drive Debian's ``chromium`` with
its ``chromium-driver`` through Selenium (scripts/system-deps.sh installs both).
"""
from __future__ import annotations

import csv
import json
import shutil
import tempfile
import urllib.parse
from pathlib import Path

import numpy as np
import pytest

from autograder import dashboard
from autograder.dashboard import diagnoses, page, stats, synthetic

LAB1 = "lab01-regression"
HOSTILE_ID = "<img src=x onerror=alert(1)>"
HOSTILE_STUDENTS = (HOSTILE_ID, "also-" + HOSTILE_ID, "and-" + HOSTILE_ID)
HOSTILE_MESSAGE = "CheckFailure: <script>window.pwned = 1</script> & \"quotes\" 'too'"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _cell(score, max_, message=None, auto=True, **extra):
    return {"score": score, "max": max_, "auto": auto, "message": message, **extra}


# --------------------------------------------------------------------------- diagnoses
def test_fallback_diagnosis_is_the_message_without_numbers_or_exception_name():
    one = diagnoses.fallback_diagnosis(LAB1, "CheckFailure: db must be summed over the batch axis: "
                                             "expected shape (1, 64), got (32, 64)")
    other_shapes = diagnoses.fallback_diagnosis(LAB1, "CheckFailure: db must be summed over the batch axis: "
                                                      "expected shape (1, 4), got (5, 4)")
    assert one == other_shapes == "lab01/db-must-be-summed-over-the-batch-axis-expected-shape-got"
    assert diagnoses.fallback_diagnosis(LAB1, "NameError: name 'Linear' is not defined") == \
        "lab01/name-linear-is-not-defined"
    assert diagnoses.fallback_diagnosis(LAB1, None) == "lab01/no-message"
    # Long messages that share their opening words stay apart, and stay short.
    opening = "CheckFailure: model_backward(layers [3, 4, 4, 1], m=5, 'relu') raised ValueError: " + "x" * 60
    a, b = (diagnoses.fallback_diagnosis(LAB1, opening + end) for end in (" transpose", " broadcast"))
    assert a != b and len(a) <= len("lab01/") + diagnoses.SLUG_MAX


def test_a_named_diagnosis_wins_and_passed_cells_have_none(monkeypatch):
    failed = _cell(0.0, 3.0, "CheckFailure: db must be summed (1, 4)")
    assert diagnoses.diagnosis_of(LAB1, {**failed, "diagnosis": "lab01.linear_backward/db-not-summed"}) == \
        "lab01.linear_backward/db-not-summed"
    assert diagnoses.diagnosis_of(LAB1, failed) == "lab01/db-must-be-summed"
    assert diagnoses.diagnosis_of(LAB1, _cell(3.0, 3.0, diagnosis=None)) is None
    assert diagnoses.diagnosis_of(LAB1, _cell(None, 2.0, auto=False)) is None   # graded by hand
    monkeypatch.setattr(diagnoses, "FALLBACK_FROM_MESSAGE", False)
    assert diagnoses.diagnosis_of(LAB1, failed) is None


def test_diagnoses_csv_has_one_row_per_failed_graded_cell(tmp_path):
    results = [
        {"student": "ann", "lab": LAB1, "ok": True, "cells": {
            "t1": _cell(0.0, 2.0, "CheckFailure: wrong (2, 3)"), "t2": _cell(3.0, 3.0),
            "t3": _cell(1.0, 3.0, "ValueError: bad", diagnosis="lab01.t3/bad"), "q": _cell(None, 1.0, auto=False)}},
        {"student": "bob", "lab": LAB1, "ok": False, "failure": "the kernel died", "cells": {"t1": _cell(0.0, 2.0)}},
        {"student": "cy", "lab": LAB1, "ok": False, "problem": "no submission", "cells": {}},
    ]
    path = dashboard.write_diagnoses_csv(results, tmp_path / "diagnoses.csv")
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(diagnoses.CSV_COLUMNS)
    assert [(r["student_id"], r["cell"], r["points_lost"], r["diagnosis"]) for r in rows] == [
        ("ann", "t1", "2", "lab01/wrong"), ("ann", "t3", "2", "lab01.t3/bad")]
    assert rows[0]["message"] == "CheckFailure: wrong (2, 3)"


# --------------------------------------------------------------------------- statistics
def test_statistics_of_a_synthetic_class():
    results, grades = synthetic.synthetic_class(300, seed=3, labs=[LAB1, "lab04-gd-backprop"])
    d = stats.summarize(results, grades, {"seconds": 60.0, "graded": 300, "jobs": 2})
    assert [v.lab for v in d.labs] == [LAB1, "lab04-gd-backprop"]
    for v in d.labs:
        rows = grades[(grades.assignment == v.lab) & grades.status.str.startswith("graded")]
        assert v.scores.graded == len(rows) > 100
        assert v.scores.mean == pytest.approx(rows.auto_score.mean())
        assert v.scores.quantile(0.25) == pytest.approx(np.quantile(rows.auto_score, 0.25))
        assert v.scores.quantile(0.5) == pytest.approx(rows.auto_score.median())
        assert v.scores.graded + v.scores.failed + v.scores.not_graded == v.scores.submissions == 150
        rates = [c.pass_rate for c in v.cells]
        assert rates == sorted(rates) and rates[0] < rates[-1], "cells hardest first"
        counts = [len(dg.students) for dg in v.diagnoses]
        assert counts == sorted(counts, reverse=True) and counts[0] > 1, "mistakes most frequent first"
        top = v.diagnoses[0]
        assert top.share == pytest.approx(len(top.students) / v.scores.graded)
        # Different shapes in the messages, one mistake.
        assert len({m.message for m in top.mistakes}) > 1
    kinds = {a.kind for a in d.attention}
    assert kinds == {"not graded", "failed", "findings", "zero score"}
    assert d.run.throughput == pytest.approx(300.0)


# --------------------------------------------------------------------------- escaping
def hostile_class(root: Path) -> tuple[list[dict], object]:
    """A small synthetic class plus a student whose id, message, notes and files are hostile."""
    results, _ = synthetic.synthetic_class(4, seed=1, labs=[LAB1, "lab04-gd-backprop"],
                                           feedback_root=root / "feedback")
    cells = synthetic.lab_cells(LAB1)
    auto = [c["grade_id"] for c in cells if c["auto"]]
    feedback = root / "feedback" / HOSTILE_ID / LAB1 / f"{LAB1}.html"
    feedback.parent.mkdir(parents=True)
    feedback.write_text("<p>feedback</p>")
    for student in HOSTILE_STUDENTS:   # three: their message is the most frequent mistake
        results.append({"student": student, "lab": LAB1, "ok": True, "failure": None,
                        "notes": ['notebook was named "><script>window.pwned = 2</script>.ipynb; graded as it'],
                        "cells": {g: _cell(0.0, 2.0, HOSTILE_MESSAGE) for g in auto},
                        "feedback_html": str(feedback), "timing": {"execute": 1.0}})
    results.append({"student": "<b>bold</b>", "lab": LAB1, "ok": False,
                    "problem": "invalid notebook JSON (<iframe src=x>)", "notes": [], "cells": {}})
    return results, synthetic.grades_frame(results, [LAB1, "lab04-gd-backprop"])


def test_every_student_controlled_string_is_escaped(tmp_path):
    results, grades = hostile_class(tmp_path)
    index = dashboard.publish(results, grades, tmp_path, {"seconds": 3.0, "graded": 27, "jobs": 1,
                                                          "sandbox": True, "scheduler": None})
    text = index.read_text()
    for raw in ("<img src=x", "<script", "<b>bold", "<iframe", "onerror=alert(1)>"):
        assert raw not in text, raw
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt; &amp; &quot;quotes&quot; &#x27;too&#x27;" in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in text and "&lt;iframe src=x&gt;" in text
    # The feedback link of the hostile student is percent-encoded, inside a quoted attribute.
    assert 'href="../feedback/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E/lab01-regression/' in text
    assert f"Content-Security-Policy\" content=\"{page.CSP}\"" in text


def test_a_thousand_submissions_make_a_page_under_5_mb(tmp_path):
    """The size bound of issue 20 (the time is printed by benchmarks/bench_dashboard.py)."""
    results, grades = synthetic.synthetic_class(1000, seed=0, feedback_root=tmp_path / "feedback")
    index = dashboard.publish(results, grades, tmp_path, {"seconds": 900.0, "graded": 1000, "jobs": 2})
    size = index.stat().st_size
    assert 100_000 < size < 5_000_000, size
    with (tmp_path / "diagnoses.csv").open() as fh:
        assert sum(1 for _ in fh) - 1 == len(diagnoses.failed_cells(results)) > 1000


# --------------------------------------------------------------------------- browser
@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through its chromium-driver: no downloaded browser builds."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for tool in (CHROMIUM, CHROMEDRIVER):
        assert Path(tool).exists(), f"{tool} missing: run scripts/system-deps.sh (Debian chromium, chromium-driver)"
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                 "--window-size=1200,900"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, index: Path) -> list[dict]:
    """Load ``index`` and return what the console logged while loading it."""
    driver.get_log("browser")   # drop what earlier pages logged
    driver.get(index.resolve().as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    return driver.get_log("browser")


def check_plots(driver) -> int:
    """Every figure is drawn with a non-zero size, has shapes in it and a label; returns their number."""
    plots = driver.execute_script("""
        return [...document.querySelectorAll('svg')].map(s => {
            const r = s.getBoundingClientRect();
            return {w: r.width, h: r.height, shapes: s.querySelectorAll('path, rect, use').length,
                    label: s.getAttribute('aria-label') || '', role: s.getAttribute('role'),
                    table: !!s.closest('figure').querySelector('details table')};
        });""")
    for p in plots:
        assert p["w"] > 100 and p["h"] > 50, p
        assert p["shapes"] > 5 and p["role"] == "img" and len(p["label"]) > 20 and p["table"], p
    return len(plots)


def check_links(driver, index: Path) -> int:
    """Every link is local and resolves: to a file that exists, or to an element of the page."""
    hrefs = driver.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.href)")
    for url in hrefs:
        parts = urllib.parse.urlparse(url)
        assert parts.scheme == "file", f"non-local link {url}"
        target = Path(urllib.parse.unquote(parts.path))
        if target == index.resolve() and parts.fragment:
            assert driver.execute_script("return !!document.getElementById(arguments[0])", parts.fragment), url
        else:
            assert target.is_file(), f"link to a missing file: {url}"
    return len(hrefs)


def errors(log: list[dict]) -> list[dict]:
    return [e for e in log if e.get("level") == "SEVERE"]


def test_synthetic_dashboard_in_chromium(browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    results, grades = hostile_class(tmp_path)
    index = dashboard.publish(results, grades, tmp_path, {"seconds": 3.0, "graded": 27, "jobs": 1,
                                                          "sandbox": True, "scheduler": None})
    log = open_page(browser, index)
    assert not errors(log), log
    assert check_plots(browser) == 2 * 2 + 1      # per lab a histogram and a cell chart; grading times
    links = check_links(browser, index)
    assert links > 20
    feedback = browser.execute_script(
        "return [...document.querySelectorAll('a[href]')].filter(a => a.href.includes('/feedback/')).length")
    assert feedback > 10
    # Hostile strings are inert text: no alert, no injected element or script ran.
    with pytest.raises(NoAlertPresentException):
        _ = browser.switch_to.alert.text
    assert browser.execute_script("return typeof window.pwned") == "undefined"
    assert browser.execute_script("return document.querySelectorAll('script, iframe, img').length") == 0
    body = browser.find_element(By.TAG_NAME, "body").text
    assert HOSTILE_ID in body and "<b>bold</b>" in body
    # The lab's most frequent mistake is the hostile one; opening it shows its students.
    section = browser.find_element(By.ID, page.anchor(LAB1))
    first = section.find_element(By.CSS_SELECTOR, "ol.diagnoses > li")
    assert first.get_attribute("data-students") == "3"
    assert "<script>window.pwned = 1</script>" in first.text
    student_link = first.find_element(By.CSS_SELECTOR, "details a")
    assert not student_link.is_displayed()
    first.find_element(By.TAG_NAME, "summary").click()
    assert student_link.is_displayed() and student_link.text in HOSTILE_STUDENTS
    assert not errors(browser.get_log("browser"))
    _screenshot(browser, tmp_path / "synthetic.png")


def _screenshot(driver, path: Path) -> None:
    """A full-page screenshot, for a human to look at (pytest keeps recent tmp folders)."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1200, min(height, 12000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1200, 900)
    assert path.stat().st_size > 10_000


# --------------------------------------------------------------------------- a real grading run
@pytest.fixture(scope="module")
def graded_lab01(tmp_path_factory):
    """The lab 01 sample class graded by the pipeline, then the dashboard built from its build folder.

    Unsandboxed: the sample class is generated from the solutions (trusted), and the dashboard
    does not depend on how kernels were confined.
    """
    from autograder import pipeline, sample_class

    root = tmp_path_factory.mktemp("dashboard-class")
    subs = sample_class.generate(root / "submissions", [LAB1])
    out = root / "build"
    df = pipeline.grade(subs, [LAB1], out, jobs=2, quiet=True, sandbox=False)
    wrote_itself = (out / "dashboard" / "index.html").exists()
    assert dashboard.main(["--out", str(out)]) == 0   # `python -m autograder dashboard`
    manifest = json.loads((subs / "manifest.json").read_text())[LAB1]
    return out, df, manifest, wrote_itself


@pytest.mark.slow
def test_make_grade_writes_the_dashboard(graded_lab01):
    out, _, _, wrote_itself = graded_lab01
    assert wrote_itself and (out / "diagnoses.csv").exists()


@pytest.mark.slow
def test_sample_class_dashboard_names_the_buggy_students_mistake_first(browser, graded_lab01):
    from selenium.webdriver.common.by import By

    out, _, manifest, _ = graded_lab01
    index = out / "dashboard" / "index.html"
    log = open_page(browser, index)
    assert not errors(log), log
    assert check_plots(browser) == 3
    assert check_links(browser, index) > 10
    section = browser.find_element(By.ID, page.anchor(LAB1))
    top = section.find_element(By.CSS_SELECTOR, "ol.diagnoses > li")
    top.find_element(By.TAG_NAME, "summary").click()
    rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in top.find_elements(By.CSS_SELECTOR, "tbody tr")]
    students = {r[0] for r in rows}
    cells = {c for r in rows for c in r[1].split(", ")}
    # buggy and tampered (= buggy after grading restored its cells) made it; blank's
    # "not implemented" messages differ cell by cell, so no one of them is as frequent.
    assert students == {"buggy", "tampered"}, rows
    assert top.get_attribute("data-students") == "2"
    assert cells <= set(manifest["buggy_failing"]), (cells, manifest["buggy_failing"])
    with (out / "diagnoses.csv").open() as fh:
        csv_rows = [r for r in csv.DictReader(fh) if r["student_id"] == "buggy"]
    assert {r["cell"] for r in csv_rows} == set(manifest["buggy_failing"])
    assert top.get_attribute("data-diagnosis") in {r["diagnosis"] for r in csv_rows}
    # Feedback links of the graded students lead to the pipeline's pages.
    linked = browser.execute_script(
        "return [...document.querySelectorAll('a[href]')].map(a => a.href).filter(h => h.includes('/feedback/'))")
    assert {urllib.parse.unquote(h).split("/feedback/")[1].split("/")[0] for h in linked} >= {"buggy", "blank"}
    _screenshot(browser, out / "dashboard.png")
