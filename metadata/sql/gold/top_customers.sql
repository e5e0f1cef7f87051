-- The ten customers of highest lifetime value: a view, so it is never stale. It is re-created
-- only when its SQL or the shape of customer_lifetime_value changes.
CREATE OR REPLACE VIEW dev_gold.sales.top_customers AS
SELECT customer_id, first_name, last_name, loyalty_tier, orders, lifetime_value
FROM dev_gold.sales.customer_lifetime_value
ORDER BY lifetime_value DESC, customer_id
LIMIT 10
