-- When this run loads the seeds, they must come first.
{% if var('load_source_data', false) %}-- depends_on: {{ ref('raw_customers') }}{% endif %}
select
    id as customer_id,
    first_name || ' ' || last_name as customer_name,
    city
from {{ source('shop', 'raw_customers') }}
