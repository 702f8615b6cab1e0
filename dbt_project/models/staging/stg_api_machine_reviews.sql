-- raw.api_machine_reviews, extracted from the API store (ingestion/api_store/)
{{ config(materialized='table') }}
{{ staged_api('api_machine_reviews') }}
