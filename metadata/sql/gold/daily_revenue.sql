-- Web revenue per order day and channel: order lines plus shipping, less completed refunds.
-- Cancelled orders are left out.
CREATE OR REPLACE TABLE dev_gold.sales.daily_revenue AS
WITH order_totals AS (
  SELECT
    order_id,
    SUM(quantity) AS units,
    SUM(quantity * unit_price - discount_amount) AS items_amount
  FROM dev_silver.shop.order_lines
  GROUP BY order_id
),
completed_refunds AS (
  SELECT order_id, SUM(amount) AS refunded_amount
  FROM dev_silver.shop.refunds
  WHERE refund_status = 'completed'
  GROUP BY order_id
)
SELECT
  CAST(o.order_ts AS DATE) AS order_date,
  o.channel,
  COUNT(*) AS orders,
  SUM(t.units) AS units,
  CAST(SUM(t.items_amount + o.shipping_fee) AS DECIMAL(14, 2)) AS gross_revenue,
  CAST(SUM(COALESCE(r.refunded_amount, 0)) AS DECIMAL(14, 2)) AS refunded_amount,
  CAST(
    SUM(t.items_amount + o.shipping_fee - COALESCE(r.refunded_amount, 0)) AS DECIMAL(14, 2)
  ) AS net_revenue
FROM dev_silver.shop.orders AS o
JOIN order_totals AS t ON t.order_id = o.order_id
LEFT JOIN completed_refunds AS r ON r.order_id = o.order_id
WHERE o.status <> 'cancelled'
GROUP BY CAST(o.order_ts AS DATE), o.channel
