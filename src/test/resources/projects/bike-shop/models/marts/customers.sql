select
    c.customer_id,
    c.customer_name,
    c.city,
    count(o.order_id) as orders,
    count(o.order_id) filter (where o.status in {{ open_order_statuses() }}) as open_orders,
    min(o.ordered_at) as first_order_at,
    coalesce(sum(o.amount) filter (where o.status <> 'returned'), 0) as lifetime_value
from {{ ref('stg_customers') }} as c
left join {{ ref('orders') }} as o using (customer_id)
group by all
