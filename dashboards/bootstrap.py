"""The bootstrap sequence shared by `zhifa serve dashboards` and the tests.

prepare: venv (pinned) → snapshot preflight → superset_config.py → db upgrade, admin, init.
publish: (server running) log in → import the bundle with overwrite → replay every chart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from dashboards.bundle import BUNDLE_DIR
from dashboards.client import ChartResult, SupersetClient
from dashboards.preflight import check_snapshot
from dashboards.service import (
    Instance,
    SupersetError,
    SupersetSettings,
    configure,
    initialise,
    install_venv,
)

Log = Callable[[str], None]


def prepare(
    settings: SupersetSettings, snapshot: Path, log: Log = print, folder: Path = BUNDLE_DIR
) -> Instance:
    install_venv(settings, log)
    problems = check_snapshot(snapshot, folder)
    if problems:
        raise SupersetError(
            "快照与仪表板不匹配 / the snapshot does not fit the dashboards:\n" + "\n".join(map(str, problems))
        )
    inst = configure(settings)
    shown = make_url(settings.metadata_url).render_as_string(hide_password=True)
    log(f"initialising Superset metadata at {shown}")
    initialise(inst)
    return inst


def publish(inst: Instance, snapshot: Path, log: Log = print, folder: Path = BUNDLE_DIR) -> list[ChartResult]:
    """Import the bundle and replay every chart; raises naming each chart whose query fails."""
    with SupersetClient(inst.settings.url, inst.settings.admin_user, inst.admin_password) as client:
        client.import_bundle(snapshot, folder)
        results = client.check_charts(folder)
    broken = [r for r in results if r.error]
    if broken:
        lines = [f"{r.describe()}: {r.error}" for r in broken]
        raise SupersetError("图表查询失败 / charts fail:\n" + "\n".join(lines))
    for r in results:
        if not r.rows:
            log(f"warning: {r.describe()} has no rows (empty snapshot?)")
    log(f"imported the bundle: {len(results)} charts answer")
    return results
