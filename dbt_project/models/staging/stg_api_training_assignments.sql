-- raw.api_training_assignments, extracted from the API store (ingestion/api_store/)
{{ config(materialized='table') }}
{{ staged_api('api_training_assignments') }}
