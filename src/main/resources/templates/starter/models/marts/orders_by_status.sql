select
    o.status,
    s.description,
    count(*) as order_count,
    sum(o.amount) as total_amount,
    {{ cents("sum(o.amount)") }} as total_amount_cents
from {{ ref('stg_orders') }} as o
left join {{ ref('order_statuses') }} as s using (status)
group by o.status, s.description
