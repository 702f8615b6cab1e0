select review_id, rule_id, deducted_points, comment
from {{ source('raw', 'review_items') }}
