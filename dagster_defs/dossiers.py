"""Dossiers domain: the documents table, and recognition of the document files it points at."""

import dagster as dg

from dagster_defs.importing import contract_checks, import_assets
from dagster_defs.resources import RESOURCE_KEY, WAREHOUSE_POOL, WarehouseResource, raw_key

TABLES = ("documents",)
DOCUMENT_FIELDS_KEY = raw_key("document_fields")


class RecognitionConfig(dg.Config):
    max_documents: int = 0  # 0: every pending document (OCR of scans takes seconds a page)


@dg.asset(
    key=DOCUMENT_FIELDS_KEY,
    deps=[raw_key("documents")],
    group_name="dossiers",
    pool=WAREHOUSE_POOL,
    required_resource_keys={RESOURCE_KEY},
    kinds={"duckdb"},
    description="Fields recognised in dossier files (text layer, DOCX or OCR), one row per field.",
)
def document_fields(context: dg.AssetExecutionContext, config: RecognitionConfig) -> dg.MaterializeResult:
    from ingestion.dossier_load import recognise_pending

    warehouse: WarehouseResource = getattr(context.resources, RESOURCE_KEY)
    with warehouse.connect() as con:
        summary = recognise_pending(
            con, warehouse.landing_dir, limit=config.max_documents or None, log=context.log.info
        )
        total = con.execute("SELECT count(*) FROM raw.document_fields").fetchone()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": int(total[0]) if total else 0,
            "documents_recognised": summary.documents,
            "fields": summary.fields,
            "file_problems": summary.errors,
            "text_source": dg.MetadataValue.json(summary.by_source),
        }
    )


defs = dg.Definitions(
    assets=[import_assets("dossiers", TABLES), document_fields],
    asset_checks=[contract_checks("dossiers", TABLES)],
)
