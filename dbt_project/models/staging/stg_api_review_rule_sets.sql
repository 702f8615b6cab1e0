-- raw.api_review_rule_sets, extracted from the API store (ingestion/api_store/)
{{ config(materialized='table') }}
{{ staged_api('api_review_rule_sets') }}
