{% macro open_order_statuses() %}
    ('placed', 'shipped')
{% endmacro %}
