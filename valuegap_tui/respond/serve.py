"""Serving the questionnaire to respondents' browsers: one link per person, plain HTML forms.

Each respondent gets a link with their own unguessable token (32 random bytes); the server has no
other page. ``GET /r/TOKEN`` shows that person's consent text, their next question or the end;
``POST /r/TOKEN`` agrees, gives an answer or records a time limit run out, then sends the browser
back to the page (so a reload never gives an answer twice). Answers are written to the study as they
are given, through the same ``StudyResponder`` as ``respond start``. Anything else, a missing, wrong
or other respondent's token included, gets 404. The pages load nothing from any other host
(page.py), and the response headers forbid it too.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from aiohttp import web

from valuegap_tui.respond.page import Progress, consent_page, done_page, question_page
from valuegap_tui.respond.session import StudyResponder

#: an answer that reaches the server this long after the time limit ran out is stored as not answered
LATE_GRACE_S = 3.0


def new_tokens(names: list[str]) -> dict[str, str]:
    """token -> respondent name; 32 random bytes each."""
    return {secrets.token_urlsafe(32): name for name in names}


def _headers(nonce: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": (f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}';"
                                    " form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
        "Referrer-Policy": "no-referrer",  # the link's token stays out of any other request
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


@dataclass
class Survey:
    """The respondents a server answers for, by token, and when each was shown its current question."""

    responders: dict[str, StudyResponder] = field(default_factory=dict)
    shown_at: dict[tuple[str, str], float] = field(default_factory=dict)
    clock: object = time.monotonic

    def responder_for(self, token: str) -> StudyResponder | None:
        # compare_digest: how long a wrong token takes says nothing about a right one
        found = [r for known, r in self.responders.items() if secrets.compare_digest(known, token)]
        return found[0] if found else None

    def _current(self, responder: StudyResponder):
        done = responder.answered_keys()
        left = [q for q in responder.questions if q.key not in done]
        return (left[0] if left else None), Progress(len(responder.questions) - len(left), len(responder.questions))

    def _elapsed(self, token: str, key: str) -> float:
        return self.clock() - self.shown_at.setdefault((token, key), self.clock())

    def _expire(self, token: str, responder: StudyResponder) -> None:
        """Questions whose time ran out while nobody answered are stored as not answered."""
        while responder.time_limit_s:
            question, _ = self._current(responder)
            if question is None or (token, question.key) not in self.shown_at:
                return
            elapsed = self._elapsed(token, question.key)
            if elapsed < responder.time_limit_s + LATE_GRACE_S:
                return
            responder.answer(question, None, round(elapsed, 3))

    def page(self, token: str, message: str = "") -> tuple[str, str]:
        """(the HTML of the respondent's page now, its nonce)."""
        responder = self.responders[token]
        nonce = secrets.token_urlsafe(16)
        self._expire(token, responder)
        question, progress = self._current(responder)
        if not responder.consented():
            return consent_page(responder.consent, progress, nonce), nonce
        if question is None:
            return done_page(progress, nonce), nonce
        elapsed = self._elapsed(token, question.key)
        left = responder.time_limit_s - elapsed if responder.time_limit_s else None
        return question_page(question, progress, nonce, message=message, seconds_left=left), nonce

    def act(self, token: str, form) -> str:
        """Carry out one form; returns a message for the next page ("" when all went well)."""
        responder = self.responders[token]
        action = form.get("action")
        if action == "agree":
            responder.agree()
            return ""
        if not responder.consented():
            return ""
        self._expire(token, responder)
        question, _ = self._current(responder)
        if question is None or form.get("key") != question.key:
            return "That question was already answered; here is the next one." if question else ""
        elapsed = self._elapsed(token, question.key)
        limit = responder.time_limit_s
        if action == "timeout":
            if limit and elapsed >= limit - 1:
                responder.answer(question, None, round(elapsed, 3))
            return ""
        if action != "answer":
            return ""
        chosen = form.get("option")
        if chosen not in [str(i) for i in range(len(question.options))]:
            return "Choose one of the options first, then give your answer."
        late = bool(limit) and elapsed > limit + LATE_GRACE_S
        try:
            responder.answer(question, None if late else int(chosen), round(elapsed, 3))
        except ValueError:  # answered meanwhile (another tab) with another option: the first answer stays
            return "That question was already answered; here is the next one."
        return "The time for that question had run out, so it was kept as not answered." if late else ""

    def application(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024)
        app.add_routes([web.get("/r/{token}", self._get), web.post("/r/{token}", self._post)])
        return app

    def _token(self, request: web.Request) -> str:
        token = request.match_info["token"]
        if self.responder_for(token) is None:
            raise web.HTTPNotFound()
        return next(known for known in self.responders if secrets.compare_digest(known, token))

    async def _get(self, request: web.Request) -> web.Response:
        token = self._token(request)
        text, nonce = self.page(token, _MESSAGES.get(request.query.get("m", ""), ""))
        return web.Response(text=text, content_type="text/html", charset="utf-8", headers=_headers(nonce))

    async def _post(self, request: web.Request) -> web.Response:
        token = self._token(request)
        message = self.act(token, await request.post())
        code = next((code for code, text in _MESSAGES.items() if text == message), "")
        raise web.HTTPSeeOther(f"/r/{token}" + (f"?m={code}" if code else ""))


#: the messages a page can carry over a redirect, by a short code (the query never carries text)
_MESSAGES = {
    "pick": "Choose one of the options first, then give your answer.",
    "stale": "That question was already answered; here is the next one.",
    "late": "The time for that question had run out, so it was kept as not answered.",
}


class BoundServer:
    """A listening server: the port is taken before anyone is registered, so a refused serve stores nothing."""

    def __init__(self, survey: Survey, runner: web.AppRunner, site: web.TCPSite):
        self.survey, self.runner, self.site = survey, runner, site

    @property
    def port(self) -> int:
        return self.runner.addresses[0][1]

    async def close(self) -> None:
        await self.runner.cleanup()


async def bind(survey: Survey, host: str, port: int) -> BoundServer:
    """Listen on host:port (OSError when it cannot: the port taken, the address not this machine's)."""
    runner = web.AppRunner(survey.application(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    return BoundServer(survey, runner, site)
