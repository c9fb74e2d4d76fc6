"""Serving the respond app to respondents' browsers (the optional ``textual-serve`` package).

Each respondent gets a link with their own unguessable token; the server has no other page. A
token opens only that respondent's respond app (``valuegap respond start`` for them, which shows the
respond screen and nothing else, and writes each answer to the study as it is given). Anything else,
a missing, wrong or other respondent's token included, gets 404 and starts nothing.
"""

from __future__ import annotations

import asyncio
import secrets
import shlex
import sys
from pathlib import Path

INSTALL_HINT = ("`valuegap respond serve` needs the optional textual-serve package: pip install 'valuegap[serve]'"
                " (or pip install textual-serve); or send each respondent a questionnaire file (`respond pack`)")


class ServeUnavailable(RuntimeError):
    pass


def respondent_command(study: Path, run_id: int, name: str, *, persona_id: str, repeats: int,
                       time_limit_s: float | None) -> str:
    args = [sys.executable, "-m", "valuegap_tui", "respond", "start", str(run_id), "--name", name,
            "--persona", persona_id, "--repeats", str(repeats), "--study", str(Path(study).resolve())]
    if time_limit_s is not None:
        args += ["--time-limit", str(time_limit_s)]
    return shlex.join(args)


def new_tokens(names: list[str]) -> dict[str, str]:
    """token -> respondent name; 32 random bytes each."""
    return {secrets.token_urlsafe(32): name for name in names}


def token_server(commands: dict[str, str], host: str, port: int, public_url: str | None = None):
    """A textual-serve server whose only pages are /r/TOKEN (and its websocket) for the given tokens."""
    try:
        import aiohttp_jinja2
        import jinja2
        from aiohttp import web
        from textual_serve.app_service import AppService
        from textual_serve.server import Server, to_int
    except ImportError:
        raise ServeUnavailable(INSTALL_HINT) from None

    class TokenServer(Server):
        def command_for(self, token: str) -> str | None:
            # compare_digest: how long a wrong token takes says nothing about a right one
            found = [command for known, command in commands.items() if secrets.compare_digest(known, token)]
            return found[0] if found else None

        async def _make_app(self) -> web.Application:
            app = web.Application()
            aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
            app.add_routes([
                web.get("/r/{token}", self.handle_respondent, name="index"),
                web.get("/r/{token}/ws", self.handle_respondent_socket, name="websocket"),
                web.static("/static", self.statics_path, name="static"),
            ])
            app.on_shutdown.append(self.on_shutdown)
            return app

        async def handle_respondent(self, request: web.Request) -> web.StreamResponse:
            token = request.match_info["token"]
            if self.command_for(token) is None:
                raise web.HTTPNotFound()
            router = request.app.router
            base = self.public_url
            socket = f"{base}{router['websocket'].url_for(token=token)}"
            context = {
                "font_size": 16,
                "app_websocket_url": ("wss:" if base.startswith("https") else "ws:") + socket.split(":", 1)[1],
                "config": {"static": {"url": f"{base}{router['static'].url_for(filename='/')}".rstrip("/") + "/"}},
                "application": {"name": "valuegap respond"},
            }
            return aiohttp_jinja2.render_template("app_index.html", request, context)

        async def handle_respondent_socket(self, request: web.Request) -> web.StreamResponse:
            command = self.command_for(request.match_info["token"])
            if command is None:
                raise web.HTTPNotFound()
            # As the base class's handler, but with this token's command: self.command is shared
            # by every connection, and another could change it while this one awaits.
            websocket = web.WebSocketResponse(heartbeat=15)
            width, height = to_int(request.query.get("width", "80"), 80), to_int(request.query.get("height", "24"), 24)
            service = None
            try:
                await websocket.prepare(request)
                service = AppService(command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                     close=websocket.close, download_manager=self.download_manager, debug=self.debug)
                await service.start(width, height)
                await self._process_messages(websocket, service)
            except asyncio.CancelledError:
                await websocket.close()
            finally:
                if service is not None:
                    await service.stop()
            return websocket

    return TokenServer("valuegap respond", host=host, port=port, title="valuegap respond", public_url=public_url)
