"""The benchmark's bookkeeping: which peer variant counts, ratios, goal checks, and cut-down datasets."""

import json
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

from tests.conftest import EVALSETS, ROOT

sys.path.insert(0, str(ROOT / "bench"))

import corpora  # noqa: E402
import performance_page  # noqa: E402
import report  # noqa: E402


def _figures(ndcg: float, hit1: float, hit5: float, cps: float, p50: float, p95: float, cold: float, rss: float) -> dict:
    return {"scifact": {"ndcg@10": ndcg, "recall@100": 0.9, "ingest_chunks_per_s": cps, "reingest_s": 1.0,
                        "chunks": 100, "latency_ms_p50": p50, "latency_ms_p95": p95, "peak_rss_mb": rss},
            "squad": {"hit@1": hit1, "hit@5": hit5, "mrr@10": 0.8},
            "sample": {"latency_ms_p50": p50, "latency_ms_p95": p95, "cold_start_s": cold}}


def test_the_peer_is_the_better_variant_on_each_metric_and_ratios_divide_by_it():
    dense = _figures(0.69, 0.62, 0.87, 30.0, 20.0, 25.0, 6.0, 700.0)
    hybrid = _figures(0.72, 0.71, 0.93, 29.0, 30.0, 40.0, 7.0, 750.0)
    peer = report.better_peer(dense, hybrid)
    assert peer["scifact"]["ndcg@10"] == 0.72 and peer["squad"]["hit@1"] == 0.71  # higher is better
    assert peer["scifact"]["ingest_chunks_per_s"] == 30.0
    assert peer["scifact"]["latency_ms_p50"] == 20.0 and peer["sample"]["cold_start_s"] == 6.0  # lower is better
    ours = _figures(0.75, 0.82, 0.97, 80.0, 15.0, 20.0, 2.0, 400.0)
    assert report.ratios(ours, peer)["scifact"]["ingest_chunks_per_s"] == pytest.approx(80 / 30, abs=1e-3)


def test_goals_follow_the_issue_including_the_hybrid_latency_bar():
    dense = _figures(0.69, 0.62, 0.87, 30.0, 20.0, 25.0, 6.0, 700.0)
    hybrid = _figures(0.72, 0.71, 0.93, 29.0, 30.0, 40.0, 7.0, 750.0)
    ours = _figures(0.749, 0.86, 0.97, 61.0, 25.0, 60.0, 3.9, 801.0)
    summary = report.summarize({"ours": ours, "peer-dense": dense, "peer-hybrid": hybrid},
                               {"started": "now", "minutes": 1, "load_before": "0", "load_after": "0", "quick": True})
    met = {g["goal"]: g["met"] for g in summary["goals"]}
    assert not met["SciFact nDCG@10 >= 0.75"] and not met["SciFact nDCG@10 >= peer + 0.03"]
    assert met["SQuAD-open hit@1 >= 0.85"] and met["SQuAD-open hit@5 >= 0.97"]
    assert met["ingest chunks/s >= 2x peer"]  # 61 >= 2 x 30
    assert met["scifact answer p50 <= hybrid peer retrieval p50 (ms)"]  # 25 <= 30, though dense is at 20
    assert not met["scifact answer p95 <= 2x its p50 (ms)"]  # 60 > 50
    assert met["cold footnote ask <= 4 s"] and not met["peak RSS serving SciFact <= 800 MB"]
    table = report.markdown(summary)
    assert "| scifact | ndcg@10 | 0.749 | 0.72 |" in table and "| cold footnote ask <= 4 s | 3.9 | 4.0 | yes |" in table


@pytest.mark.dev_data("scifact")
def test_a_quick_dataset_keeps_every_relevant_document():
    small = corpora.load("scifact", EVALSETS, questions=5, docs=20)
    kept = {doc_id for doc_id, _, _ in small.docs}
    assert len(small.questions) == 5 and len(kept) >= 20
    assert all(set(gold) <= kept for _, gold in small.questions)


def test_the_bare_devtools_driver_waits_for_an_element_a_page_adds_later(tmp_path):
    """The first-answer benchmark's browser: it must see what the page shows, when it shows it."""
    import devtools
    from tests.ui_browser import CHROMIUM

    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    (tmp_path / "index.html").write_text("<textarea id=box></textarea><script>setTimeout(() => "
                                         "document.body.insertAdjacentHTML('beforeend', '<p class=late>hi</p>'), 300)"
                                         "</script>")
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        Thread(target=server.serve_forever, daemon=True).start()
        browser = devtools.Chromium()
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            page.wait_for("#box")
            assert page.evaluate("document.querySelector('p.late')") is None
            page.wait_for("p.late", timeout_s=10)
            assert page.evaluate("document.querySelector('p.late').textContent") == "hi"
            with pytest.raises(RuntimeError):
                page.evaluate("no_such_name")
        finally:
            browser.close()
            server.shutdown()


# The results docs/performance.md shows (make bench of 2026-12-07 13:40; bench-scale of Dec 7 22:06 and 19:39, Dec 8 01:50 and 01:15).
FIXTURE = ROOT / "tests" / "fixtures" / "bench-results"


def test_the_performance_page_is_rendered_from_the_results():
    page = performance_page.render(FIXTURE)
    assert "<!-- figures" not in page and page.startswith("# Performance")
    assert "Run of 2026-12-07 13:40:58, 27.8 min, a full run" in page
    assert "| SciFact dev | nDCG@10 | **0.7572** | 0.7196 | 0.6884 | 0.7196 | 1.052 |" in page
    assert ("Goals missed in this run: sample answer p50 <= hybrid peer retrieval p50 (ms); scifact answer p50 <= "
            "hybrid peer retrieval p50 (ms).") in page
    assert "| SQuAD-open hit@1 >= 0.85 | 0.854 | 0.85 | yes |" in page
    assert "**first answer 1.23 s after ready** (median of 5" in page
    assert "| verification p50 / p95, ms (goal ≤ 30 p50) | 10.5 / 304.7 | 103.6 / 1177.0 |" in page
    assert "the .docx bomb refused within 5 s and 200 MB: met." in page


def test_a_quick_run_with_a_missed_goal_and_no_web_page_run_says_so(tmp_path):
    summary = json.loads((FIXTURE / "latest.json").read_text())
    summary["meta"].update(quick=True, load_before="1.50 1.20 1.00", load_after="1.90 1.40 1.10")
    summary["goals"][0]["met"] = False
    (tmp_path / "latest.json").write_text(json.dumps(summary))
    page = performance_page.render(tmp_path)
    assert "a quick smoke run" in page and "load average 1.50 1.20 1.00 before, 1.90 1.40 1.10 after" in page
    assert "Goals missed in this run: SciFact nDCG@10 >= 0.75; " in page
    assert "No web page run in `bench/results/` yet" in page


def test_the_committed_performance_page_is_the_generators_output_not_typed_by_hand():
    # The fixture is the committed page's results: a `make bench` that changes the page updates both.
    assert (ROOT / "docs" / "performance.md").read_text() == performance_page.render(FIXTURE)


def _scale_run(started: str, **embedded_10k: float) -> dict:
    figures = {"chunks": 10031, "ingest_chunks_per_s": 30.4, "peak_rss_ingest_mb": 900.0, "latency_ms_p50": 40.0,
               "latency_ms_p95": 90.0, "peak_rss_serving_mb": 500.0, "add_file_s": 2.0, "remove_file_s": 0.5,
               "disk_kb_per_passage": 20.0, "disk_kb_per_passage_beyond_text": 19.4}
    meta = {"started": started, "minutes": 30.0, "corpus": "Debian linux-doc-6.1", "load_before": "1.00",
            "load_now": "2.00"}
    return {"meta": meta, "systems": {"embedded": {"1000": dict(figures, chunks=1004),
                                                   "10000": dict(figures, **embedded_10k)},
                                      "peer": {"1000": dict(figures, chunks=3744)}}}


def test_the_scale_section_puts_systems_side_by_side_checks_the_targets_and_plots(tmp_path):
    for name in ("latest.json", "robustness.json", "ui_first_answer.json"):
        (tmp_path / name).write_text((FIXTURE / name).read_text())
    (tmp_path / "scale.json").write_text(json.dumps(_scale_run("2026-12-06 01:00:00", peak_rss_ingest_mb=950.0)))
    (tmp_path / "scale-before.json").write_text(json.dumps(_scale_run("2026-12-06 00:00:00", add_file_s=9.5)))
    page = performance_page.render(tmp_path)
    assert "| | embedded Chroma | llama-index (hybrid) | before: embedded Chroma |" in page
    assert "| passages | 1,004 | 3,744 | 1,004 |" in page and "| add one file, s | 2.00 | – | 9.50 |" in page
    assert "Targets of the issue at 10,000 passages" in page
    assert "| ingest >= 100 passages/s | 30.40 | no |" in page and "| ask p95 <= 100 ms | 90.00 | yes |" in page
    assert "| disk beyond the text <= 8 KB/passage | 19.40 | no |" in page
    svg = performance_page.scale_plot(tmp_path)
    assert svg.startswith("<svg") and svg.count("<polyline") == 4 * 3  # four panels, three series each
    (tmp_path / "scale.json").unlink()
    assert "No scale run in `bench/results/` yet" in performance_page.render(tmp_path)
