{% macro cents(column) %}
    ({{ column }} * 100)::bigint
{% endmacro %}
