"""The web front end (``web/dist``, built by ``make bootstrap``) served by the API at ``/``.

The app shell is public (it is the login page); every API call it makes carries the bearer token.
Only the built files are routed — ``/``, the hashed ``/assets/…`` and the few top-level files (service
worker, manifest, icons) — so the API's own paths, 404s and 405s are untouched. App pages live behind
the hash (``/#/cases``), never on server paths. The files are read once at start-up and kept with their
gzip form (phones on a slow network get a third of the bytes); rebuilding the app needs a restart.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from api.core.errors import NotFound

NOT_BUILT = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>前端未构建</title></head>
<body style="font-family:sans-serif;padding:24px;line-height:1.6">
<h1>前端页面尚未构建</h1>
<p>请在项目目录运行 <code>make bootstrap</code>（会在 <code>web/</code> 中执行 <code>npm ci</code> 与
<code>npm run build</code>），然后重新启动服务。接口文档仍可在 <a href="/docs">/docs</a> 查看。</p>
<p lang="en">The web front end is not built: run <code>make bootstrap</code>, then restart the service.</p>
</body></html>"""

# the page and the service worker are revalidated on every load, or an update never reaches phones;
# /assets/ names carry a content hash, so they are cached for a year
NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSIBLE = {".js", ".css", ".html", ".webmanifest", ".wasm", ".svg", ".json", ".txt", ".map"}
MEDIA = {".webmanifest": "application/manifest+json", ".wasm": "application/wasm", ".js": "text/javascript"}


# The pages' security policy. Everything is served from here (bureau intranets have no internet), so
# 'self' is the whole world: a script injected into a page can neither load code from elsewhere nor send
# the bearer token (localStorage) anywhere else. 'wasm-unsafe-eval' lets the field app compile its own
# barcode decoder (.wasm); inline styles are element-plus's; blob: serves photo previews and pdf.js.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class _Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    cache: str
    etag: str


def _read(file: Path, cache: str) -> _Asset:
    body = file.read_bytes()
    media = MEDIA.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    packed = gzip.compress(body, 9, mtime=0) if file.suffix in COMPRESSIBLE else None
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return _Asset(body, packed if packed and len(packed) < len(body) else None, media, cache, etag)


def _respond(request: Request, asset: _Asset) -> Response:
    headers = {"Cache-Control": asset.cache, "ETag": asset.etag, "Vary": "Accept-Encoding"}
    headers |= PAGE_HEADERS if asset.media_type == "text/html" else {"X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        return Response(
            asset.gzipped, media_type=asset.media_type, headers={**headers, "Content-Encoding": "gzip"}
        )
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def _file_route(app: FastAPI, url: str, asset: _Asset) -> None:
    async def serve(request: Request) -> Response:
        return _respond(request, asset)

    app.add_api_route(url, serve, methods=["GET"], include_in_schema=False, name=f"web:{url}")


def mount_web(app: FastAPI, dist: Path) -> None:
    """Call after the API routers: the routes added here never shadow an API path."""
    index = dist / "index.html"
    if not index.is_file():

        async def not_built() -> HTMLResponse:
            return HTMLResponse(NOT_BUILT, status_code=503)

        app.add_api_route("/", not_built, methods=["GET"], include_in_schema=False)
        return
    taken = {getattr(r, "path", None) for r in app.routes}
    _file_route(app, "/", _read(index, NO_CACHE))
    for file in sorted(dist.iterdir()):
        if file.is_file() and f"/{file.name}" not in taken:
            _file_route(app, f"/{file.name}", _read(file, NO_CACHE))
    folder = dist / "assets"
    assets = {f.name: _read(f, IMMUTABLE) for f in folder.iterdir() if f.is_file()} if folder.is_dir() else {}

    async def asset(name: str, request: Request) -> Response:
        found = assets.get(name)
        if found is None:
            raise NotFound("NOT_FOUND", "资源不存在 / not found")
        return _respond(request, found)

    app.add_api_route("/assets/{name}", asset, methods=["GET"], include_in_schema=False, name="web:assets")
