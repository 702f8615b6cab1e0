-- raw.api_dossiers, extracted from the API store (ingestion/api_store/)
{{ config(materialized='table') }}
{{ staged_api('api_dossiers') }}
