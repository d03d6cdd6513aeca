-- Fails when any customer has a negative lifetime value.
select customer_id, lifetime_value
from {{ ref('customer_orders') }}
where lifetime_value < 0
