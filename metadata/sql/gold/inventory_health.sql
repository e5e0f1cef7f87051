-- Stock of the latest snapshot per product and warehouse, against its reorder point, valued at
-- the product's current unit cost. Products deleted from the catalogue drop out.
CREATE OR REPLACE TABLE dev_gold.supply.inventory_health AS
SELECT
  i.snapshot_date,
  i.product_id,
  p.sku,
  p.product_name,
  i.warehouse_id,
  w.warehouse_name,
  w.region_code,
  s.supplier_name,
  i.on_hand_units,
  i.reserved_units,
  GREATEST(i.on_hand_units - i.reserved_units, 0) AS available_units,
  i.reorder_point,
  GREATEST(i.on_hand_units - i.reserved_units, 0) < i.reorder_point AS needs_reorder,
  CAST(GREATEST(i.on_hand_units - i.reserved_units, 0) * p.unit_cost AS DECIMAL(14, 2))
    AS stock_value
FROM dev_silver.erp.inventory_snapshots AS i
JOIN dev_silver.shop.products AS p ON p.product_id = i.product_id AND p.is_current
JOIN dev_silver.erp.warehouses AS w ON w.warehouse_id = i.warehouse_id
LEFT JOIN dev_silver.erp.suppliers AS s ON s.supplier_id = p.supplier_id AND s.is_current
WHERE i.snapshot_date = (SELECT MAX(snapshot_date) FROM dev_silver.erp.inventory_snapshots)
