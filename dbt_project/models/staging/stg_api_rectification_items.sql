-- raw.api_rectification_items, extracted from the API store (ingestion/api_store/)
{{ config(materialized='table') }}
{{ staged_api('api_rectification_items') }}
