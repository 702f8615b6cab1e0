-- raw.api_sampling_draws, extracted from the API store (ingestion/api_store/)
{{ config(materialized='table') }}
{{ staged_api('api_sampling_draws') }}
