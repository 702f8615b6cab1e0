-- raw.api_review_tasks, extracted from the API store (ingestion/api_store/)
{{ config(materialized='table') }}
{{ staged_api('api_review_tasks') }}
