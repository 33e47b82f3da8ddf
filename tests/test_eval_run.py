"""Running sets end to end: the three output files, cached eval corpora, compare on a worsened run, the CLI."""

import json
import shutil

import pytest

from footnote.cli import main
from assistant.pipeline import Assistant
from assistant.settings import Settings, UsageError
from evals.api import answer_of, question_rows, record_from_answer, save_answer
from evals.compare import compare_runs
from evals.evalset import load_set
from evals.metrics import METRICS
from evals.runner import run_set
from evals.runs import INFO, METRICS as METRICS_FILE, REPORT, RESULTS, load_run
from tests.conftest import ROOT

SAMPLE_SET = ROOT / "evals" / "sets" / "sample.jsonl"
ANSWER_KEYS = {"question", "answer", "abstained", "citations", "passages", "timings_ms", "confidence"}


@pytest.fixture(scope="module")
def baseline(sample_assistant, tmp_path_factory):
    """The sample set run against the sample article with default settings."""
    return run_set(SAMPLE_SET, sample_assistant.settings, tmp_path_factory.mktemp("run") / "baseline",
                   assistant=sample_assistant)


def test_a_run_writes_results_metrics_and_a_report(baseline):
    for name in (RESULTS, METRICS_FILE, INFO, REPORT):
        assert (baseline.folder / name).is_file()
    results = [json.loads(line) for line in (baseline.folder / RESULTS).read_text().splitlines()]
    assert [r["id"] for r in results] == [r.id for r in load_set(SAMPLE_SET)]
    for r in results:
        assert set(r) >= {"id", "question", "answer", "scores", "score", "timings_ms", "gold", "type"}
        assert set(r["answer"]) >= ANSWER_KEYS and r["timings_ms"]["total"] > 0
    metrics = json.loads((baseline.folder / METRICS_FILE).read_text())
    assert list(metrics) == [m for m in METRICS if m in metrics]
    assert set(metrics) >= {"hit@1", "hit@5", "mrr@10", "answer_correct", "citation_precision", "citation_recall",
                            "abstain_precision", "abstain_recall", "latency_ms_p50", "latency_ms_p95"}
    assert "ndcg@10" not in metrics and "recall@100" not in metrics  # no qrels in this set: absent, not 0
    assert metrics["hit@5"] >= 0.9  # one article: retrieval must find the evidence
    assert load_run(baseline.folder).metrics == metrics


def test_evidence_is_located_in_the_indexed_article(baseline):
    located = [r for r in baseline.results if not r["unanswerable"]]
    assert all(r["gold"]["spans"] and not r["gold"]["unlocated"] for r in located)
    span = located[0]["gold"]["spans"][0]
    assert span["path"].endswith("sources/000_c12f4e3d27157f56.txt") and span["text"]


def test_compare_flags_a_deliberately_worsened_run(sample_assistant, baseline, tmp_path):
    # Abstaining unless nearly sure declines most answerable questions.
    worse = Assistant(sample_assistant.settings.replace(abstain_threshold=0.9))
    worsened = run_set(SAMPLE_SET, worse.settings, tmp_path / "timid", assistant=worse)
    comparison = compare_runs(baseline, worsened)
    assert "answer_correct" in comparison.regressions and comparison.worse
    assert not compare_runs(baseline, baseline).regressions
    args = ["eval", "compare", str(baseline.folder), str(worsened.folder), "--fail-on-regression"]
    assert main(args) == 3
    assert main(args[:-1]) == 0  # reported, not failed, without the flag
    assert main(["eval", "compare", str(baseline.folder), str(baseline.folder), "--fail-on-regression"]) == 0


def test_an_eval_corpus_gets_its_own_cached_collection(tmp_path, models_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "sources" / "000_c12f4e3d27157f56.txt", corpus / "article.txt")
    settings = Settings().replace(data_dir=tmp_path / "data", models_dir=models_dir)
    first = run_set(SAMPLE_SET, settings, tmp_path / "a", corpus=corpus, limit=4)
    second = run_set(SAMPLE_SET, settings, tmp_path / "b", corpus=corpus, limit=4)
    assert first.info["collection"].startswith("eval-") and first.info["collection"] == second.info["collection"]
    assert first.info["ingest"].startswith("1 added") and second.info["ingest"].startswith("0 added, 0 updated, 1 unchanged")
    assert [r["id"] for r in first.results] == [r["id"] for r in second.results] and len(first.results) == 4
    # the sample set names sources/…; the corpus file is article.txt: evidence is found by its text
    assert all(r["gold"]["spans"] for r in first.results if not r["unanswerable"])


def test_bad_runs_are_user_errors(tmp_path, models_dir):
    settings = Settings().replace(data_dir=tmp_path / "data", models_dir=models_dir)
    with pytest.raises(UsageError, match="no such corpus folder"):
        run_set(SAMPLE_SET, settings, tmp_path / "r", corpus=tmp_path / "missing")
    with pytest.raises(UsageError, match="inside data_dir"):
        (tmp_path / "data" / "c").mkdir(parents=True)
        run_set(SAMPLE_SET, settings, tmp_path / "r", corpus=tmp_path / "data" / "c")
    with pytest.raises(UsageError, match="nothing is indexed"):
        run_set(SAMPLE_SET, settings, tmp_path / "r")


@pytest.mark.parametrize("argv, message", [
    (["eval", "missing.jsonl"], "footnote: missing.jsonl: no such eval set"),
    (["eval", "compare", "only-one"], "footnote: compare needs two run folders: footnote eval compare RUN_A RUN_B"),
    (["eval", "compare", "a", "b"], "footnote: a: not an eval run (needs metrics.json and results.jsonl)"),
    (["eval", "import", "squad", "x.json"], "footnote: usage: footnote eval import {beir,squad,rgb,multihop} SRC --out OUT"),
    (["eval", "import", "csv", "x", "--out", "o"], "footnote: unknown format 'csv' (choose from beir, squad, rgb, multihop)"),
    (["eval", "set.jsonl", "extra"], "footnote: unexpected argument 'extra' after the eval set"),
])
def test_cli_usage_errors_exit_2_with_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert capsys.readouterr().err.strip().splitlines() == [message]


def test_footnote_eval_on_the_sample_set_from_the_command_line(footnote, tmp_path, sources):
    assert footnote("ingest", str(sources)).returncode == 0
    result = footnote("eval", "evals/sets/sample.jsonl", "--limit", "6", "--json", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout)) >= {"answer_correct", "citation_recall", "latency_ms_p50"}
    assert all((tmp_path / "run" / name).is_file() for name in (RESULTS, METRICS_FILE, REPORT))


def test_a_source_outside_the_corpus_is_warned_about_on_the_command_line(footnote, tmp_path, sources):
    assert footnote("ingest", str(sources)).returncode == 0
    records = [{"id": "known", "question": "How many operatives were expelled?", "answers": ["37"],
                "evidence": "37 operatives", "source": "000_c12f4e3d27157f56.txt"},
               {"id": "typo", "question": "Where was Otmane Khalladi captured?", "answers": ["Playa del Carmen"],
                "evidence": "Playa del Carmen", "source": "artcle.txt"}]
    (tmp_path / "set.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    result = footnote("eval", str(tmp_path / "set.jsonl"), "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert "warning: 1 question name a source that is not in the corpus: typo (artcle.txt)" in result.stderr
    assert "known" not in result.stderr


def test_web_tab_functions(baseline, tmp_path):
    rows = question_rows(baseline)
    assert len(rows) == len(baseline.results)
    assert [r["score"] for r in rows if r["score"] is not None] == sorted(r["score"] for r in rows if r["score"] is not None)
    answered = next(r for r in baseline.results if not r["answer"]["abstained"] and r["answer"]["citations"])
    answer = answer_of(baseline, answered["id"])
    assert answer == answered["answer"]
    record = save_answer(tmp_path / "mine.jsonl", answer, answers=["37"])
    again = save_answer(tmp_path / "mine.jsonl", answer)
    saved = load_set(tmp_path / "mine.jsonl")
    assert [r.id for r in saved] == [record.id, again.id] and record.id != again.id
    assert saved[0].evidence == tuple((c["quote"],) for c in answer["citations"])
    assert saved[0].answers == (("37",),) and saved[1].answers == ()
    abstained = {"question": "Capital of Australia?", "abstained": True, "citations": []}
    assert not record_from_answer(abstained).answerable
    with pytest.raises(UsageError):
        save_answer(tmp_path / "mine.txt", answer)


def screenshot_report(report, png, height: int = 1000) -> dict:
    """Render a report in headless Chromium, save a screenshot, and return what the page shows."""
    from tests.ui_browser import PageWatch, chromium

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": height})
        watch = PageWatch(page)
        page.set_content(report.read_text(encoding="utf-8"), wait_until="load")
        page.screenshot(path=str(png))
        return {"external": watch.external, "errors": watch.errors, "title": page.title(),
                "metrics": page.locator("table.metrics tr").count() - 1,
                "plots": page.locator(".plots svg").count(),
                "plot_width": page.locator(".plots svg").first.bounding_box()["width"],
                "rows": page.locator("table.questions tr").count() - 1,
                "first_row": page.locator("table.questions tr").nth(1).get_attribute("class")}


def test_the_report_renders_in_headless_chromium(baseline, tmp_path):
    shown = screenshot_report(baseline.report, tmp_path / "report.png")
    assert shown["external"] == [] and shown["errors"] == []  # self-contained: nothing fetched, no scripts failing
    assert shown["title"] == "Eval report: sets/sample.jsonl"
    assert shown["metrics"] == len(baseline.metrics) and shown["plots"] == 3 and shown["plot_width"] > 100
    assert shown["rows"] == len(baseline.results)
    if any(r["score"] is not None and r["score"] < 0.5 for r in baseline.results):
        assert shown["first_row"] == "fail"  # failing questions first
    assert (tmp_path / "report.png").stat().st_size > 10_000
