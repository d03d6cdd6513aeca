with orders as (
    select * from {{ ref('stg_orders') }}
),

per_customer as (
    select
        customer_id,
        count(*) as order_count,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        sum(amount) filter (where status <> 'cancelled') as lifetime_value
    from orders
    group by customer_id
)

select
    c.customer_id,
    c.customer_name,
    c.country,
    coalesce(p.order_count, 0) as order_count,
    p.first_order_date,
    p.last_order_date,
    coalesce(p.lifetime_value, 0) as lifetime_value
from {{ ref('stg_customers') }} as c
left join per_customer as p using (customer_id)
