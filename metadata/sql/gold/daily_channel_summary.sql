-- Web and store revenue side by side per day. Reads two gold tables, so its row runs in
-- execution_order 2 of silver_to_gold, after the rows that build them.
CREATE OR REPLACE TABLE dev_gold.sales.daily_channel_summary AS
WITH web AS (
  SELECT order_date AS sales_date, SUM(orders) AS web_orders, SUM(net_revenue) AS web_revenue
  FROM dev_gold.sales.daily_revenue
  GROUP BY order_date
),
stores AS (
  SELECT sales_date, SUM(transactions) AS store_transactions, SUM(revenue) AS store_revenue
  FROM dev_gold.retail.store_daily_sales
  GROUP BY sales_date
)
SELECT
  COALESCE(w.sales_date, s.sales_date) AS sales_date,
  COALESCE(w.web_orders, 0) AS web_orders,
  CAST(COALESCE(w.web_revenue, 0) AS DECIMAL(14, 2)) AS web_revenue,
  COALESCE(s.store_transactions, 0) AS store_transactions,
  CAST(COALESCE(s.store_revenue, 0) AS DECIMAL(14, 2)) AS store_revenue,
  CAST(COALESCE(w.web_revenue, 0) + COALESCE(s.store_revenue, 0) AS DECIMAL(14, 2))
    AS total_revenue
FROM web AS w
FULL OUTER JOIN stores AS s ON s.sales_date = w.sales_date
