-- When this run loads the seeds, they must come first.
{% if var('load_source_data', false) %}-- depends_on: {{ ref('raw_payments') }}{% endif %}
select
    id as payment_id,
    order_id,
    method,
    {{ money_utils.to_currency('amount_cents') }} as amount
from {{ source('shop', 'raw_payments') }}
