"""The web front end (``web/dist``, built by ``make bootstrap``) served by the API at ``/``.

The app shell is public (it is the login page); every API call it makes carries the bearer token.
Only the built files are routed — ``/``, the hashed ``/assets/…`` and the few top-level files (service
worker, manifest, icons) — so the API's own paths, 404s and 405s are untouched. App pages live behind
the hash (``/#/cases``), never on server paths.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

NOT_BUILT = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>前端未构建</title></head>
<body style="font-family:sans-serif;padding:24px;line-height:1.6">
<h1>前端页面尚未构建</h1>
<p>请在项目目录运行 <code>make bootstrap</code>（会在 <code>web/</code> 中执行 <code>npm ci</code> 与
<code>npm run build</code>），然后重新启动服务。接口文档仍可在 <a href="/docs">/docs</a> 查看。</p>
<p lang="en">The web front end is not built: run <code>make bootstrap</code>, then restart the service.</p>
</body></html>"""

# the service worker and the page must be revalidated on every load, or an update never reaches phones
NO_CACHE = {"Cache-Control": "no-cache"}
IMMUTABLE = "public, max-age=31536000, immutable"


class _HashedAssets(StaticFiles):
    """``/assets/*`` names carry a content hash: cache them for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
        return response


def _file_route(app: FastAPI, url: str, file: Path) -> None:
    media = "application/manifest+json" if file.suffix == ".webmanifest" else None

    async def serve() -> FileResponse:
        return FileResponse(file, media_type=media, headers=NO_CACHE)

    app.add_api_route(url, serve, methods=["GET"], include_in_schema=False, name=f"web:{file.name}")


def mount_web(app: FastAPI, dist: Path) -> None:
    """Call after the API routers: the routes added here never shadow an API path."""
    index = dist / "index.html"
    if not index.is_file():

        async def not_built() -> HTMLResponse:
            return HTMLResponse(NOT_BUILT, status_code=503)

        app.add_api_route("/", not_built, methods=["GET"], include_in_schema=False)
        return
    taken = {getattr(r, "path", None) for r in app.routes}
    _file_route(app, "/", index)
    for file in sorted(dist.iterdir()):
        if file.is_file() and f"/{file.name}" not in taken:
            _file_route(app, f"/{file.name}", file)
    if (dist / "assets").is_dir():
        app.mount("/assets", _HashedAssets(directory=dist / "assets"), name="assets")
