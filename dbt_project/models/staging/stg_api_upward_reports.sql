-- raw.api_upward_reports, extracted from the API store (ingestion/api_store/)
{{ config(materialized='table') }}
{{ staged_api('api_upward_reports') }}
