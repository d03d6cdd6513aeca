{% macro to_currency(cents_column, scale=2) %}
    round({{ cents_column }} / 100.0, {{ scale }})
{% endmacro %}
