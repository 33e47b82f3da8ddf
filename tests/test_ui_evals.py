"""End-to-end: the Evals tab and 'Save to eval set' in headless Chromium over the real model and server."""

import json
import re

import pytest
from gradio_client import Client
from playwright.sync_api import expect

from evals.api import load_run
from ui_browser import ANSWER_TIMEOUT_MS, ask, text_of, watched_page
from ui_server import ROOT, SAMPLE_QUESTION, running_app

pytestmark = pytest.mark.timeout(240)
SAMPLE_SET = ROOT / "evals" / "sets" / "sample.jsonl"
LIMIT = 5


@pytest.fixture(scope="module")
def app(tmp_path_factory, models_dir):
    with running_app(tmp_path_factory.mktemp("evals"), models_dir) as running:
        yield running




def test_run_a_set_then_open_a_question_in_the_chat(page, app):
    page.get_by_role("tab", name="Evals").click()
    page.fill("#fn-eval-path textarea, #fn-eval-path input", str(SAMPLE_SET))
    page.fill("#fn-eval-limit input", str(LIMIT))
    page.click("#fn-eval-run")
    page.locator("#fn-eval-questions table.fn-questions").wait_for(timeout=60_000)

    metrics = page.locator("#fn-eval-metrics").text_content()  # th is styled upper-case
    assert "answer_correct" in metrics and "citation_recall" in metrics and "latency_ms_p50" in metrics
    rows = page.locator("#fn-eval-questions tbody tr")
    assert rows.count() == LIMIT
    # The run went where the CLI's default puts it, and the page shows it failing first.
    runs = list((app.settings.data_dir / "runs").glob("sample-*/metrics.json"))
    assert len(runs) == 1
    run = load_run(runs[0].parent)
    scores = [r["score"] for r in sorted(run.results, key=lambda r: (r["score"] is None, r["score"] or 0.0))]
    assert rows.first.get_attribute("data-id") in {r["id"] for r in run.results if r["score"] == scores[0]}

    cited = next(r for r in run.results if r["answer"]["citations"])
    page.locator(f"#fn-eval-questions button.fn-open[data-id='{cited['id']}']").click()
    page.wait_for_selector("#fn-question textarea", state="visible")
    turn = page.locator("article.fn-turn[data-turn='0']")
    assert text_of(turn.locator(".fn-question")) == cited["question"]
    turn.locator("button.fn-cite").first.click()
    mark = page.locator("#fn-panel mark.fn-target")
    mark.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert " ".join(mark.inner_text().split()) == " ".join(cited["answer"]["citations"][0]["quote"].split())


def test_open_shows_the_opened_question_in_view_with_its_own_citation(page, app):
    # A conversation long enough to scroll, with a citation of its last answer open in the panel.
    for turn, question in enumerate([SAMPLE_QUESTION, "Where was Otmane Khalladi captured?",
                                     "What law was the transfer executed under?", SAMPLE_QUESTION]):
        last = ask(page, question, turn)
    last.locator("button.fn-cite").first.click()
    page.locator("#fn-panel mark.fn-target").wait_for()
    old = page.locator("#fn-panel mark.fn-target").inner_text()

    page.get_by_role("tab", name="Evals").click()
    page.fill("#fn-eval-limit input", str(LIMIT))
    page.click("#fn-eval-run")
    page.locator("#fn-eval-questions table.fn-questions").wait_for(timeout=60_000)
    run = load_run(sorted((app.settings.data_dir / "runs").glob("sample-*/metrics.json"))[-1].parent)
    opened = next(r for r in run.results if r["answer"]["citations"] and r["question"] != SAMPLE_QUESTION)
    page.locator(f"#fn-eval-questions button.fn-open[data-id='{opened['id']}']").click()

    question = page.locator("article.fn-turn[data-turn='4'] .fn-question")
    expect(question).to_have_text(opened["question"])
    expect(question).to_be_in_viewport(timeout=5_000)
    inside = page.evaluate("""() => {
        const box = document.querySelector('#fn-conversation').getBoundingClientRect();
        const asked = document.querySelector("article.fn-turn[data-turn='4'] .fn-question").getBoundingClientRect();
        return asked.top >= box.top - 1 && asked.bottom <= box.bottom + 1;
    }""")
    assert inside, "the opened question is scrolled out of the conversation"
    mark = page.locator("#fn-panel mark.fn-target")
    expect(mark).not_to_have_text(old)
    assert " ".join(mark.inner_text().split()) == " ".join(opened["answer"]["citations"][0]["quote"].split())


def test_the_run_table_fits_shows_gold_answers_and_the_set_picker_starts_on_the_sample_set(browser, app):
    with watched_page(browser, app.url, viewport={"width": 1280, "height": 900}) as page:
        page.get_by_role("tab", name="Evals").click()
        picker = page.locator("#fn-eval-set input")
        expect(picker).to_have_value("sample.jsonl (project)")
        picker.click()
        expect(page.get_by_role("option").first).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.get_by_role("option")).to_have_count(0)
        picker.click()  # it opens again after Escape
        expect(page.get_by_role("option").first).to_be_visible()
        page.keyboard.press("Escape")

        page.fill("#fn-eval-limit input", str(LIMIT))
        page.click("#fn-eval-run")
        table = page.locator("#fn-eval-questions table.fn-questions")
        table.wait_for(timeout=60_000)
        summary = text_of(page.locator("#fn-eval-summary"))
        assert summary.startswith("evals/sets/sample.jsonl ") and "1 document ·" in summary, summary
        headers = table.locator("thead th").all_text_contents()
        assert "gold" in headers
        run = load_run(sorted((app.settings.data_dir / "runs").glob("sample-*/metrics.json"))[-1].parent)
        first = run.results[0]
        row = table.locator(f"tbody tr[data-id='{first['id']}'] td.fn-gold")
        assert text_of(row) == " ".join(first["gold"]["answers"]) or (not first["gold"]["answers"] and text_of(row) == "none")
        fits = page.evaluate("""() => {
            const wrap = document.querySelector('#fn-eval-questions .fn-table-wrap');
            const last = [...wrap.querySelectorAll('thead th')].pop().getBoundingClientRect();
            return wrap.scrollWidth <= wrap.clientWidth && last.right <= wrap.getBoundingClientRect().right + 1;
        }""")
        assert fits, "the last column is cut at 1280 px"


def test_save_a_chat_answer_to_a_set(page, app):
    expected = app.assistant.ask(SAMPLE_QUESTION)
    turn = ask(page, SAMPLE_QUESTION, 0)
    turn.locator("button.fn-save").click()
    form = page.locator("#fn-save-answers textarea")
    form.wait_for(state="visible")
    assert SAMPLE_QUESTION in text_of(page.locator("#fn-save-what"))

    notice = page.locator("#fn-save-notice .fn-notice")
    page.fill("#fn-save-answers textarea", "37")
    page.fill("#fn-save-path textarea, #fn-save-path input", "notes.txt")
    page.click("#fn-save")
    notice.wait_for()
    assert "a .jsonl file" in text_of(notice)

    target = app.settings.data_dir / "evalsets" / "checked.jsonl"
    page.fill("#fn-save-path textarea, #fn-save-path input", str(target))
    page.click("#fn-save")
    page.wait_for_function("() => document.querySelector('#fn-save-notice .fn-notice-ok')")
    assert "Saved to" in text_of(notice)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    quotes = [c.quote for c in expected.citations]
    assert record["question"] == SAMPLE_QUESTION and record["answers"] == ["37"]
    assert record["evidence"] == (quotes[0] if len(quotes) == 1 else quotes)
    assert form.is_hidden()
    expect(notice).to_have_class(re.compile(r"\bfn-faded\b"), timeout=10_000)  # the notice goes away


def test_the_save_form_opens_into_view_and_the_same_answer_is_not_saved_twice(page, app):
    turn = ask(page, SAMPLE_QUESTION, 0)
    target = app.settings.data_dir / "evalsets" / "twice.jsonl"
    for attempt in range(2):
        turn.locator("button.fn-save").click()
        form = page.locator("#fn-save-form").first
        expect(form).to_be_visible()
        expect(form).to_be_in_viewport(ratio=0.95, timeout=5_000)  # all of it, though it opens below the fold
        page.fill("#fn-save-answers textarea", "37")
        page.fill("#fn-save-path textarea, #fn-save-path input", str(target))
        page.click("#fn-save")
        page.locator("#fn-save-notice .fn-notice-ok" if attempt == 0 else "#fn-save-notice .fn-notice-warn").wait_for()
    notice = text_of(page.locator("#fn-save-notice .fn-notice"))
    saved = json.loads(target.read_text(encoding="utf-8").splitlines()[0])
    assert "not saved twice" in notice and saved["id"] in notice
    assert len(target.read_text(encoding="utf-8").splitlines()) == 1


def test_answer_settings_open_into_view(page, app):
    page.click("#fn-settings")
    expect(page.locator("#fn-max-sentences")).to_be_in_viewport(timeout=5_000)

def test_eval_api(app):
    client = Client(app.url, download_files=False, verbose=False)
    metrics = client.predict(str(SAMPLE_SET), 3, None, api_name="/eval")
    assert 0.0 <= metrics["answer_correct"] <= 1.0 and "latency_ms_p95" in metrics


def test_eval_api_outside_the_allowed_folders_says_the_same_for_missing_and_not_a_set(app, tmp_path):
    from gradio_client.exceptions import AppError

    not_a_set = tmp_path / "notes.jsonl"
    not_a_set.write_text("these are my private notes\n")
    client = Client(app.url, download_files=False, verbose=False)
    said = []
    for path in (tmp_path / "missing.jsonl", not_a_set, "/etc/passwd"):
        with pytest.raises(AppError) as error:
            client.predict(str(path), 3, None, api_name="/eval")
        said.append(str(error.value).replace(str(path), "PATH"))
    assert said[0] == said[1] == said[2] and "no eval set there" in said[0]
    inside = app.settings.data_dir / "evalsets" / "broken.jsonl"  # inside, the reason helps and reveals nothing
    inside.parent.mkdir(parents=True, exist_ok=True)
    inside.write_text("not json\n")
    with pytest.raises(AppError, match=r"broken\.jsonl:1: Expecting value"):
        client.predict(str(inside), 3, None, api_name="/eval")


def test_save_path_stays_under_data_dir_or_the_project_sets(tmp_path):
    from assistant.settings import Settings, UsageError
    from evals.api import SETS_DIR
    from ui.evals_handlers import save_path

    settings = Settings().replace(data_dir=tmp_path / "data")
    assert save_path(settings, "") == settings.data_dir / "evalsets" / "saved.jsonl"
    assert save_path(settings, "mine.jsonl") == settings.data_dir / "evalsets" / "mine.jsonl"
    assert save_path(settings, str(SETS_DIR / "mine.jsonl")) == SETS_DIR / "mine.jsonl"
    for outside in ("/etc/cron.d/x.jsonl", str(tmp_path / "elsewhere.jsonl"), str(settings.data_dir / "../x.jsonl")):
        with pytest.raises(UsageError, match="save under"):
            save_path(settings, outside)
    with pytest.raises(UsageError, match=".jsonl"):
        save_path(settings, "notes.txt")


def test_run_tables_escape_set_and_answer_text(tmp_path):
    from evals.api import Run
    from ui.render_evals import metrics_html, questions_html

    hostile = '<img src=x onerror="alert(1)">'
    answer = {"question": hostile, "answer": hostile + " [1]", "abstained": False, "citations": [], "passages": []}
    run = Run(tmp_path, {}, {"answer_correct": 0.5},
              [{"id": hostile, "question": hostile, "type": hostile, "answer": answer, "scores": {"answer_correct": 0.0},
                "score": 0.0}])
    shown = questions_html(run) + metrics_html(run.metrics)
    assert "<img" not in shown and "&lt;img" in shown and "fn-fail" in shown
