"""dbt models as Dagster assets: staging → intermediate → marts between the raw tables and the snapshot.

The ``DbtProject`` is built once per process (the manifest is parsed when missing or older than any
project file, e.g. after pulling new models; ``dagster dev`` re-parses through ``prepare_if_dev``).
Every model, seed and test runs inside one ``dbt build`` in the warehouse writer pool, against the file
of the ``warehouse`` resource; dbt tests become asset checks.
"""

import fcntl
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from dagster_defs.resources import RESOURCE_KEY, WAREHOUSE_POOL, WarehouseResource
from zhifa import pseudonym, scorecard
from zhifa.settings import DBT_PROJECT_DIR, get_settings

assert RESOURCE_KEY == "warehouse"  # the asset below takes the resource by that parameter name

DBT_RESOURCE_KEY = "dbt"
WAREHOUSE_PATH_VAR = "warehouse_path"  # read by dbt_project/profiles.yml


def _dbt_executable() -> str:
    """The dbt of this environment (the one whose Python can import zhifa for the Python models)."""
    local = Path(sys.executable).with_name("dbt")
    return str(local) if local.exists() else "dbt"


def warehouse_vars(path: Path) -> str:
    """The ``--vars`` naming the warehouse file, for the parse and the build alike: dbt re-parses every file
    when the command-line vars or the profile's path differ from the parse's (partial parsing's state check),
    so the default warehouse is parsed with exactly the vars its builds pass."""
    return json.dumps({WAREHOUSE_PATH_VAR: str(path)})


def parse_args(warehouse: Path) -> list[str]:
    """The ``dbt parse`` of the project for builds of ``warehouse``: with the vars those builds pass."""
    return ["parse", "--quiet", "--vars", warehouse_vars(warehouse)]


@cache
def dbt_project() -> DbtProject:
    args = parse_args(get_settings().warehouse_path)
    project = DbtProject(
        project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, prepare_project_cli_args=args
    )
    project.prepare_if_dev()
    if _stale(project.manifest_path):  # a fresh clone or changed models: `zhifa run`, tests, validate
        _parse_once(project.manifest_path, args)
    return project


PARSE_ARGS_FILE = "parse_args.json"  # beside the manifest: the arguments of the parse that wrote it
PROJECT_SOURCES = ("models", "seeds", "macros", "tests", "dbt_project.yml", "profiles.yml")


def _stale(manifest: Path) -> bool:
    """Missing, parsed without the warehouse vars (no stamp), or older than a file dbt reads to build it.

    A parse for another ZHIFA_HOME's warehouse is not stale: processes of several homes would take turns
    re-parsing; a build on another warehouse re-parses in full inside dbt, as it must."""
    if not manifest.exists() or not manifest.with_name(PARSE_ARGS_FILE).exists():
        return True
    built = manifest.stat().st_mtime
    for name in PROJECT_SOURCES:
        source = DBT_PROJECT_DIR / name
        files = [source] if source.is_file() else source.rglob("*") if source.is_dir() else []
        if any(f.is_file() and f.stat().st_mtime > built for f in files):
            return True
    return False


def _parse_once(manifest: Path, args: list[str]) -> None:
    """Write target/manifest.json with `dbt parse`, one process at a time (test workers import together).

    The dagster-dbt CLI wrapper would write into a per-invocation target folder, so dbt runs directly."""
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with (manifest.parent / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _stale(manifest):
            subprocess.run(
                [
                    _dbt_executable(),
                    *args,
                    "--project-dir",
                    str(DBT_PROJECT_DIR),
                    "--profiles-dir",
                    str(DBT_PROJECT_DIR),
                    "--target-path",
                    str(manifest.parent),
                ],
                check=True,
            )
            manifest.with_name(PARSE_ARGS_FILE).write_text(json.dumps(args))


class ZhifaDbtTranslator(DagsterDbtTranslator):
    """Models and seeds keyed by schema (marts/fct_case_fines, ref/ref_settings); sources keep the default
    ["raw", table] key, which is the key of the ingestion assets."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([str(dbt_resource_props["schema"]), str(dbt_resource_props["name"])])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "metrics"


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=ZhifaDbtTranslator(),
    pool=WAREHOUSE_POOL,
)
def zhifa_dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    with warehouse.connect():  # creates the raw tables the sources name, if a load has not yet
        pass
    scorecard.check_seed()  # a weight set not summing to 100 stops here, with the role and its sum
    _, created = pseudonym.resolve(get_settings())
    if created:
        context.log.warning(f"generated a pseudonym key in {get_settings().pseudonym_key_path}: keep it")
    # the warehouse file goes to dbt on its command line (profiles.yml reads the var), never through this
    # process's environment, which other runs and threads share; the dbt models find the pseudonym key
    # as this process did (ZHIFA_PSEUDONYM_KEY, else the file under ZHIFA_HOME)
    yield from dbt.cli(["build", "--vars", warehouse_vars(warehouse.path)], context=context).stream()


defs = dg.Definitions(
    assets=[zhifa_dbt_models],
    resources={
        DBT_RESOURCE_KEY: DbtCliResource(
            project_dir=dbt_project(), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=_dbt_executable()
        )
    },
)
