-- When this run loads the seeds, they must come first.
{% if var('load_source_data', false) %}-- depends_on: {{ ref('raw_orders') }}{% endif %}
select
    id as order_id,
    customer_id,
    cast(ordered_at as date) as ordered_at,
    status
from {{ source('shop', 'raw_orders') }}
