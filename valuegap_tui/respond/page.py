"""The respondent's pages in a browser: plain HTML forms that work by tap, click or keyboard.

Every page is whole in one response: its style and its one small script (the countdown of a time
limit) are inline, fonts are the device's own, and the Content-Security-Policy of ``web.py`` lets the
page load nothing from anywhere, so a respondent's browser contacts no host but the study's server.
Every text a study or a model supplied is escaped (and its control characters shown visibly), never
interpreted as HTML; the consent text is Markdown with raw HTML off.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from markdown_it import MarkdownIt

from valuegap_tui.respond.questionnaire import HOW_TO_ANSWER, Question
from valuegap_tui.text import visible

STYLE = """
:root { color-scheme: light dark; --accent: #1f5fbf; --line: #8887; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 1.0625rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       "Noto Sans", sans-serif; }
main { max-width: 42rem; margin: 0 auto; padding: 1rem 1rem 3rem; }
h1 { font-size: 1.25rem; margin: .5rem 0 1rem; }
p, li { overflow-wrap: anywhere; }
.status { display: flex; justify-content: space-between; gap: 1rem; font-size: .95rem; color: GrayText; }
progress { width: 100%; height: .5rem; margin: .25rem 0 1rem; accent-color: var(--accent); }
.persona { border-left: 4px solid var(--line); padding: .5rem .75rem; margin: 0 0 1rem; }
.persona p { white-space: pre-wrap; margin: .25rem 0; }
.text p { white-space: pre-wrap; margin: 0 0 .8rem; }
.text p.question { font-weight: 600; }
fieldset { border: 0; padding: 0; margin: 0; }
legend { padding: 0; margin-bottom: .25rem; }
.option { display: flex; gap: .75rem; align-items: flex-start; padding: .8rem .9rem; margin: .5rem 0;
          border: 2px solid var(--line); border-radius: .6rem; cursor: pointer; min-height: 3rem; }
.option input { flex: none; width: 1.3rem; height: 1.3rem; margin: .1rem 0 0; accent-color: var(--accent); }
.option:has(input:checked) { border-color: var(--accent); background: #1f5fbf22; }
.option span { overflow-wrap: anywhere; }
.how { font-size: .95rem; color: GrayText; margin: .75rem 0 0; }
button { display: block; width: 100%; margin: 1rem 0 0; padding: .9rem 1rem; min-height: 3rem; border: 0;
         border-radius: .6rem; background: var(--accent); color: #fff; font: inherit; font-weight: 600;
         cursor: pointer; }
button:focus-visible, .option:has(input:focus-visible) { outline: 3px solid var(--accent); outline-offset: 2px; }
.message { border: 2px solid #c62; border-radius: .6rem; padding: .6rem .9rem; }
.note { font-size: .9rem; color: GrayText; margin-top: 1.5rem; }
@media (min-width: 40rem) { button { width: auto; min-width: 14rem; } main { padding-top: 2rem; } }
"""

#: submits the time-out form when the time runs out (the server checks the time itself too)
COUNTDOWN = """
(function () {
  var shown = document.getElementById("left"), left = Number(shown.dataset.left);
  var end = Date.now() + left * 1000;
  function tick() {
    var s = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    shown.textContent = s + " s left";
    if (s <= 0) { document.getElementById("timeout").submit(); return; }
    setTimeout(tick, 250);
  }
  tick();
})();
"""

_markdown = MarkdownIt("commonmark", {"html": False})


def shown(text: str | None) -> str:
    """Untrusted text as HTML: control characters visible, markup escaped."""
    return html.escape(visible(text or ""), quote=True)


def _paragraphs(text: str, cls: str | None = None, last_cls: str | None = None) -> str:
    parts = [p.strip("\n") for p in visible(text).split("\n\n") if p.strip()]
    out = []
    for i, part in enumerate(parts):
        chosen = last_cls if last_cls and i == len(parts) - 1 else cls
        out.append(f"<p{f' class={chosen!r}' if chosen else ''}>{html.escape(part)}</p>")
    return "\n".join(out)


@dataclass(frozen=True)
class Progress:
    answered: int
    total: int


def document(title: str, body: str, nonce: str, script: str | None = None) -> str:
    script_tag = f'<script nonce="{nonce}">{script}</script>' if script else ""
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            f"<title>{html.escape(title)}</title>\n<style nonce=\"{nonce}\">{STYLE}</style>\n</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n{script_tag}\n</body>\n</html>\n")


def _status(progress: Progress, extra: str = "") -> str:
    return (f'<div class="status"><span>{progress.answered} of {progress.total} answered</span>{extra}</div>\n'
            f'<progress max="{max(progress.total, 1)}" value="{progress.answered}">'
            f"{progress.answered} of {progress.total}</progress>")


def consent_page(consent: str, progress: Progress, nonce: str) -> str:
    body = (f"<div class=\"consent\">{_markdown.render(visible(consent))}</div>\n"
            f"<p>You will be asked {progress.total} question{'s' if progress.total != 1 else ''}.</p>\n"
            "<form method=\"post\"><input type=\"hidden\" name=\"action\" value=\"agree\">"
            "<button type=\"submit\">I agree: begin</button></form>\n"
            "<p class=\"note\">If you do not want to take part, close this page: nothing is stored.</p>")
    return document("Survey: before you start", body, nonce)


def question_page(question: Question, progress: Progress, nonce: str, *, message: str = "",
                  seconds_left: float | None = None) -> str:
    number = progress.answered + 1
    persona = ""
    if question.persona_text:
        persona = ("<section class=\"persona\"><p><strong>Answer as this person would:</strong></p>"
                   f"{_paragraphs(question.persona_text)}</section>\n")
    head, tail = question.split_text()
    options = "\n".join(
        f'<label class="option"><input type="radio" name="option" value="{i}" required>'
        f"<span>{shown(text)}</span></label>" for i, text in enumerate(question.options))
    timer, script, timeout_form = "", None, ""
    if seconds_left is not None:
        timer = f'<span id="left" data-left="{max(0, int(seconds_left))}">{max(0, int(seconds_left))} s left</span>'
        script = COUNTDOWN
        timeout_form = ('<form method="post" id="timeout"><input type="hidden" name="action" value="timeout">'
                        f'<input type="hidden" name="key" value="{shown(question.key)}"></form>')
    alert = f'<p class="message" role="alert">{shown(message)}</p>\n' if message else ""
    body = (f"<h1>Question {number} of {progress.total}</h1>\n{_status(progress, timer)}\n{alert}{persona}"
            f"<div class=\"text\">{_paragraphs(head, last_cls='question')}</div>\n"
            "<form method=\"post\"><input type=\"hidden\" name=\"action\" value=\"answer\">"
            f"<input type=\"hidden\" name=\"key\" value=\"{shown(question.key)}\">\n"
            f"<fieldset><legend class=\"how\">{html.escape(HOW_TO_ANSWER)}</legend>\n{options}\n</fieldset>\n"
            + (f"<div class=\"text\">{_paragraphs(tail)}</div>\n" if tail else "")
            + "<button type=\"submit\">Give answer</button></form>\n" + timeout_form
            + "\n<p class=\"note\">You can close this page at any time: your answers so far are kept, and this"
              " link brings you back to where you stopped.</p>")
    return document(f"Survey: question {number} of {progress.total}", body, nonce, script)


def done_page(progress: Progress, nonce: str) -> str:
    body = (f"<h1>Thank you</h1>\n{_status(progress)}\n<p>All {progress.total} questions are answered. Your"
            " answers are kept; you can close this page.</p>")
    return document("Survey: thank you", body, nonce)
