"""`valuegap respond serve` in a real browser: Debian's Chromium, headless, driven by Playwright.

A person on a phone (390x844, touch) and one at a computer (1280x800, mouse) answer their shares by
tap and click, with the visible "Give answer" button, and their answers land in the study. The
pages load nothing from any host but the study's server. Chromium is Debian's (`/usr/bin/chromium`,
never a browser Playwright downloads): the test installs it with apt when it is missing, and fails
if it cannot; it never skips. Screenshots go to tmp_path, and also to $VALUEGAP_SCREENSHOTS when set.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import async_playwright

from valuegap_tui.designs.graded_actions.models import Dilemma, DilemmaStatus
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.paths import DATA_DIR
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import open_study
from valuegap_tui.evaluate.questions import option_texts
from valuegap_tui.store import respondents as respondent_store
from valuegap_tui.store import runs as run_store
from tests.helpers.root import is_root
from tests.helpers.runs import definition

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
HOSTILE = "HOSTILE"


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if shutil.which("apt-get") is None or not is_root():
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) as root")
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            done = subprocess.run(command, capture_output=True, text=True, env={**os.environ,
                                                                                 "DEBIAN_FRONTEND": "noninteractive"})
            if done.returncode:
                pytest.fail(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
        if not CHROMIUM.exists():
            pytest.fail(f"apt-get installed chromium, yet {CHROMIUM} is not there")
    return CHROMIUM


def _study(path: Path) -> int:
    """Six sample dilemmas (real length) and one hostile: markup, a control character, a long word."""
    study = open_study(path, create=True)
    with open(DATA_DIR / "sample" / "dilemmas.jsonl", encoding="utf-8") as sample:
        dilemmas = [Dilemma.model_validate_json(line) for line in list(sample)[:6]]
    hostile = dilemmas[0].model_copy(deep=True)
    hostile.variant = 9
    hostile.scenario = (f"{HOSTILE} <b>not bold</b> <script>alert(1)</script> \x1b[31m red? "
                        + "Unbroken" * 12 + ". " + dilemmas[1].scenario)
    hostile.options[0].text = "<img src=https://example.org/x.png> " + "x" * 90
    dilemmas.append(hostile)
    for d in dilemmas:
        d.id = f"{d.value}--{d.topic}--{d.variant}"
        d.status = DilemmaStatus.ACCEPTED
    dilemma_store.save_many(study, dilemmas, who="test", action="import")
    run_id = create_run(study, definition(repeats=1))
    study.close()
    return run_id


def _serve(path: Path, run_id: int, *extra: str) -> tuple[subprocess.Popen, dict[str, str]]:
    server = subprocess.Popen(
        [sys.executable, "-m", "valuegap_tui", "respond", "serve", str(run_id), "--port", "0", "--study", str(path),
         *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    links, lines = {}, []
    for line in server.stdout:
        lines.append(line)
        found = re.match(r"\s+(\S+): (http://\S+/r/\S+)$", line)
        if found:
            links[found.group(1)] = found.group(2)
        if line.startswith("Answers are stored"):
            return server, links
    server.wait(10)
    raise AssertionError("respond serve did not start: " + "".join(lines) + server.stderr.read())


async def _answer_all(page, link: str, shots: list[Path], name: str, *, tap: bool) -> list[tuple[str, str]]:
    """Agree and answer every question by tap (or click) and the Give answer button; returns
    (question words, option text chosen) per question."""
    press = (lambda locator: locator.tap()) if tap else (lambda locator: locator.click())
    await page.goto(link)
    token = link.rsplit("/", 1)[1]
    assert await page.title() == "Survey: before you start" and token not in await page.title()
    await page.screenshot(path=str(shots[0]), full_page=True)
    async with page.expect_navigation():
        await press(page.get_by_role("button", name="I agree: begin"))
    chosen = []
    while (await page.title()).startswith("Survey: question"):
        width = await page.evaluate("window.innerWidth")
        assert await page.evaluate("document.documentElement.scrollWidth") <= width  # nothing cut at the edge
        button = page.get_by_role("button", name="Give answer")
        box = await button.bounding_box()
        assert await button.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= width
        text = await page.locator(".text").first.inner_text()
        assert "letter" not in text.lower()  # words for people, no letter instruction
        if HOSTILE in text:  # a model's markup is shown as text, its control characters visibly
            assert "<b>not bold</b>" in text and "<script>" in text and "\x1b" not in text
            assert await page.locator(".text b, .text script, img").count() == 0
        if not chosen:  # giving without a choice gives nothing: the page stays on question 1
            await press(button)
            assert await page.title() == f"Survey: question 1 of {await _total(page)}"
        options = page.locator("label.option")
        assert await options.count() == 6
        pick = options.nth(len(chosen) % 6)
        await press(pick)
        assert await pick.locator("input").is_checked()  # the tapped option shows as chosen
        if len(chosen) == 1:
            await page.screenshot(path=str(shots[1]), full_page=True)
        if HOSTILE in text:
            await page.screenshot(path=str(shots[3]), full_page=True)
        chosen.append((text, await pick.inner_text()))
        async with page.expect_navigation():
            await press(button)
    assert await page.title() == "Survey: thank you"
    await page.screenshot(path=str(shots[2]), full_page=True)
    return chosen


async def _total(page) -> int:
    return int(re.search(r"of (\d+)", await page.title()).group(1))


@pytest.mark.slow
async def test_people_answer_in_a_real_browser_by_tap_and_click(chromium, tmp_path):
    path = tmp_path / "study.db"
    run_id = _study(path)
    server, links = _serve(path, run_id, "--questions", "8", "--overlap", "2", "--scale-order", "fixed")
    assert sorted(links) == ["p001", "p002", "p003", "p004"]  # 7 dilemmas, 4 each, 2 people per dilemma
    hosts, shots_dir = set(), Path(os.environ.get("VALUEGAP_SCREENSHOTS") or tmp_path)
    shots_dir.mkdir(parents=True, exist_ok=True)
    answered = {}
    try:
        async with async_playwright() as playwright:
            for name, size, touch in (("p001", (390, 844), True), ("p002", (1280, 800), False),
                                      ("p003", (390, 844), True)):
                context = await playwright.chromium.launch_persistent_context(
                    str(tmp_path / f"profile-{name}"), executable_path=str(chromium), headless=True, args=FLAGS,
                    viewport={"width": size[0], "height": size[1]}, has_touch=touch, is_mobile=touch)
                context.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))
                page = context.pages[0] if context.pages else await context.new_page()
                label = f"{size[0]}x{size[1]}-{name}"
                shots = [shots_dir / f"respond-{label}-{part}.png" for part in ("consent", "question", "done",
                                                                                "hostile")]
                answered[name] = await _answer_all(page, links[name], shots, name, tap=touch)
                await context.close()
                assert shots[0].stat().st_size > 5_000 and shots[1].stat().st_size > 5_000
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(10)
    assert hosts == {"127.0.0.1"}  # no font, script or image from anywhere else

    study = open_study(path)
    stored = respondent_store.answered(study, run_id, "p001")
    assert len(stored) == len(answered["p001"]) == 8
    rows = study.db.execute(
        "SELECT i.model, i.dilemma_id, i.question, i.choice, i.permutation, a.channel, a.scale_order, a.place"
        " FROM run_items i JOIN respondent_answers a ON a.item_id = i.id WHERE i.run_id = ? ORDER BY i.model, a.place",
        [run_id]).fetchall()
    assert len(rows) == 24 and {r[5] for r in rows} == {"browser"} and {r[6] for r in rows} == {"fixed"}
    dilemmas = run_store.dilemmas_of(study, run_id)
    for name in ("p001", "p002", "p003"):
        theirs = [r for r in rows if r[0] == f"human:{name}"]
        assert [r[7] for r in theirs] == list(range(8))  # stored in the order asked
        for (_, dilemma_id, question, choice, *_), (_, tapped) in zip(theirs, answered[name]):
            # the option tapped is the option stored, mapped back through the order it was shown in
            assert option_texts(dilemmas[dilemma_id], question)[choice] == tapped
    assert all(r[4] == "012345" for r in rows if r[2] == 0)  # the agreement scale in its own order
    hostile = [chosen for chosen in answered.values() for text, chosen in chosen if HOSTILE in text]
    assert hostile, "the hostile dilemma was in nobody's share"
    study.close()
