-- Till sales per store and day, with the store's current name and region.
-- Version 2 (demo day 2): adds the share of transactions by loyalty members.
CREATE OR REPLACE TABLE dev_gold.retail.store_daily_sales AS
SELECT
  CAST(t.sold_at AS DATE) AS sales_date,
  t.store_id,
  s.store_name,
  s.region_code,
  r.region_name,
  COUNT(*) AS transactions,
  COUNT(t.customer_id) AS member_transactions,
  CAST(COUNT(t.customer_id) / COUNT(*) AS DECIMAL(5, 4)) AS member_share,
  CAST(SUM(t.total_amount) AS DECIMAL(14, 2)) AS revenue,
  CAST(AVG(t.total_amount) AS DECIMAL(12, 2)) AS average_basket
FROM dev_silver.pos.pos_sales AS t
JOIN dev_silver.pos.stores AS s ON s.store_id = t.store_id AND s.is_current
LEFT JOIN dev_silver.erp.regions AS r ON r.region_code = s.region_code
GROUP BY CAST(t.sold_at AS DATE), t.store_id, s.store_name, s.region_code, r.region_name
