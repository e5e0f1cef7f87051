-- Orders and spend per customer, on the customer's current version (deleted customers drop out).
-- Spend: captured payments less completed refunds.
CREATE OR REPLACE TABLE dev_gold.sales.customer_lifetime_value AS
WITH customer_orders AS (
  SELECT
    o.customer_id,
    COUNT(*) AS orders,
    MIN(o.order_ts) AS first_order_at,
    MAX(o.order_ts) AS last_order_at,
    SUM(p.amount) AS paid_amount
  FROM dev_silver.shop.orders AS o
  LEFT JOIN dev_silver.shop.payments AS p
    ON p.order_id = o.order_id AND p.payment_status = 'captured'
  WHERE o.status <> 'cancelled'
  GROUP BY o.customer_id
),
customer_refunds AS (
  SELECT o.customer_id, SUM(r.amount) AS refunded_amount
  FROM dev_silver.shop.refunds AS r
  JOIN dev_silver.shop.orders AS o ON o.order_id = r.order_id
  WHERE r.refund_status = 'completed'
  GROUP BY o.customer_id
)
SELECT
  c.customer_id,
  c.first_name,
  c.last_name,
  c.email,
  c.city,
  c.country_code,
  c.loyalty_tier,
  c.signup_date,
  COALESCE(co.orders, 0) AS orders,
  co.first_order_at,
  co.last_order_at,
  CAST(
    COALESCE(co.paid_amount, 0) - COALESCE(cr.refunded_amount, 0) AS DECIMAL(14, 2)
  ) AS lifetime_value
FROM dev_silver.shop.customers AS c
LEFT JOIN customer_orders AS co ON co.customer_id = c.customer_id
LEFT JOIN customer_refunds AS cr ON cr.customer_id = c.customer_id
WHERE c.is_current
