"""The generator of the demo's bulk bronze rows: per table, a query over seed ids.

Each query selects `id` (the seed) and the table's columns FROM `$ids`; `$day` is 1 or 2.
Columns named `seed_*` are the generator's too: a pick's `where` may read them. Codes other
tables hold as rows (promotions, carriers, regions) come from their data files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Codes = Callable[[str, str], Sequence[object]]

FIRST_NAMES = ("Ava", "Liam", "Noah", "Emma", "Mia", "Lucas", "Zoe", "Omar", "Priya", "Chen")
LAST_NAMES = ("Smith", "Garcia", "Kim", "Nguyen", "Patel", "Muller", "Rossi", "Okafor", "Silva")
CITIES = ("Boston", "Atlanta", "Chicago", "Dallas", "Denver", "Seattle", "Portland", "Miami")
ADJECTIVES = ("Classic", "Ultra", "Eco", "Smart", "Pro", "Mini")
NOUNS = ("Kettle", "Lamp", "Backpack", "Headphones", "Jacket", "Tent", "Mug")

ORDER_LINES = "CAST(1 + id % 3 AS INT)"
TILL_LINES = "CAST(1 + id % 2 AS INT)"
ORDER_TS = (
    "timestampadd(SECOND, IF(id <= 600, id * 4176, 2505600 + (id - 600) * 1500), "
    "TIMESTAMP'2024-02-01 00:00:00')"
)
SOLD_AT = (
    "timestampadd(SECOND, IF(id <= 2000, id * 1240, 2480000 + (id - 2000) * 900), "
    "TIMESTAMP'2024-02-01 00:00:00')"
)
ORDER_STATUS = (
    "CASE WHEN id % 37 = 0 THEN 'cancelled' WHEN id % 20 = 2 OR id > 575 THEN 'placed' "
    "WHEN id % 20 = 7 OR id > 545 THEN 'shipped' ELSE 'delivered' END"
)
SHIPPING_FEE = "CAST(IF(id % 3 = 0, 0, 4.99) AS DECIMAL(8,2))"
RECEIVED_POS = "IF($day = 1, 130, 140)"
PO_ORDERED_ON = (
    "IF(id <= 150, DATE'2024-01-01' + CAST((id - 1) * 60 DIV 150 AS INT), DATE'2024-03-01')"
)


def queries(codes: Codes) -> dict[str, str]:
    """Each generated table's query, by `schema.table`."""
    promotions = codes("shop.promotions", "promotion_code")
    carriers = codes("shop.carriers", "carrier_code")
    return {
        **_people_and_places(codes("erp.regions", "region_code")),
        **_shop_facts(promotions, carriers),
        **_erp_and_pos_facts(),
    }


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "\\'") + "'"
    return str(value)


def _nth(values: Sequence[object], index: str = "id") -> str:
    """SQL: the `index`-th (1-based) of `values`."""
    return f"element_at(array({', '.join(map(_literal, values))}), CAST({index} AS INT))"


def _pick(values: Sequence[object], salt: str) -> str:
    """SQL: one of `values`, chosen by a hash of `id` and `salt`."""
    return _nth(values, f"1 + pmod(hash(id, '{salt}'), {len(values)})")


# Order and till line economics, shared by lines, payments, returns, refunds and margins.
def _product(order: str, line: str, salt: str) -> str:
    return f"CAST(1 + pmod(hash({order}, {line}, '{salt}'), 200) AS INT)"


def _price(product: str) -> str:
    return f"CAST(4.99 + pmod({product} * 37, 200) AS DECIMAL(10,2))"


def _unit_cost(product: str) -> str:
    return f"CAST({_price(product)} * 0.6 AS DECIMAL(10,2))"


def _quantity(order: str, line: str, salt: str) -> str:
    return f"CAST(1 + pmod(hash({order}, {line}, '{salt}q'), 3) AS INT)"


def _discount(order: str, line: str) -> str:
    gross = f"{_quantity(order, line, 'shop')} * {_price(_product(order, line, 'shop'))}"
    return f"CAST(IF({order} % 5 = 0, {gross} * 0.10, 0) AS DECIMAL(10,2))"


def _line_amount(order: str, line: str, salt: str = "shop") -> str:
    gross = f"{_quantity(order, line, salt)} * {_price(_product(order, line, salt))}"
    discount = _discount(order, line) if salt == "shop" else "0"
    return f"CAST({gross} - {discount} AS DECIMAL(12,2))"


def _line_items(salt: str) -> str:
    """SQL: the product, quantity and unit price of line `line_number` of basket `id`."""
    product = _product("id", "line_number", salt)
    quantity = _quantity("id", "line_number", salt)
    return f"{product} AS product_id, {quantity} AS quantity, {_price(product)} AS unit_price"


def _lines_of(lines: str) -> str:
    """SQL: the seed baskets' lines (`id`, `line_number`)."""
    return f"(SELECT id, explode(sequence(1, {lines})) AS line_number FROM $ids)"


def _basket_total(lines: str, salt: str) -> str:
    line = _line_amount("id", "l", salt)
    return (
        f"aggregate(sequence(1, {lines}), CAST(0 AS DECIMAL(12,2)), "
        f"(acc, l) -> CAST(acc + {line} AS DECIMAL(12,2)))"
    )


def _people_and_places(regions: Sequence[object]) -> dict[str, str]:
    return {
        "shop.customers": f"""
            SELECT id, CAST(id AS INT) AS customer_id,
              {_pick(FIRST_NAMES, "first")} AS first_name,
              {_pick(LAST_NAMES, "last")} AS last_name,
              lower(concat({_pick(FIRST_NAMES, "first")}, '.', {_pick(LAST_NAMES, "last")}, id,
                '@example.com')) AS email,
              IF(id % 9 = 0, NULL, concat('+1-555-', lpad(CAST(id AS STRING), 4, '0'))) AS phone,
              {_pick(CITIES, "city")} AS city,
              {_pick(("US", "US", "US", "CA", "GB"), "country")} AS country_code,
              {_pick(("bronze", "bronze", "silver", "gold"), "tier")} AS loyalty_tier,
              CAST(pmod(hash(id, 'points'), 4000) AS INT) AS loyalty_points,
              DATE'2020-01-01' + CAST(pmod(hash(id, 'signup'), 1400) AS INT) AS signup_date,
              timestampadd(SECOND, -pmod(hash(id, 'login'), 2592000),
                TIMESTAMP'2024-03-01 00:00:00') AS last_login_at
            FROM $ids""",
        "shop.products": f"""
            SELECT id, CAST(id AS INT) AS product_id,
              concat('SKU-', lpad(CAST(id AS STRING), 5, '0')) AS sku,
              concat({_pick(ADJECTIVES, "adjective")}, ' ', {_pick(NOUNS, "noun")}) AS product_name,
              CAST(5 + id % 8 AS INT) AS category_id,
              CAST(1 + id % 40 AS INT) AS supplier_id,
              {_price("id")} AS list_price,
              {_unit_cost("id")} AS unit_cost,
              IF(id % 50 = 0, 'discontinued', 'active') AS status,
              IF(id % 10 = 0, NULL, concat('Product ', id, ', shipped in recycled packaging'))
                AS description
            FROM $ids""",
        "erp.suppliers": f"""
            SELECT id, CAST(id AS INT) AS supplier_id,
              concat({_pick(("Acme", "Globex", "Initech", "Umbrella", "Tyrell", "Wonka"), "brand")},
                ' ', {_pick(("Trading", "Supply", "Manufacturing", "Imports"), "kind")}, ' ', id)
                AS supplier_name,
              {_pick(("US", "CN", "DE", "MX", "JP", "IN"), "country")} AS country_code,
              concat('orders@supplier', id, '.example.com') AS contact_email,
              concat('+1-555-7', lpad(CAST(id AS STRING), 3, '0')) AS contact_phone,
              CAST({_pick((30, 45, 60), "terms")} AS INT) AS payment_terms_days,
              id % 4 = 0 AS is_preferred
            FROM $ids""",
        "erp.employees": f"""
            SELECT id, CAST(id AS INT) AS employee_id,
              {_pick(FIRST_NAMES, "efirst")} AS first_name,
              {_pick(LAST_NAMES, "elast")} AS last_name,
              CASE WHEN id <= 24 THEN 'Store Manager' WHEN id <= 110 THEN 'Sales Associate'
                ELSE {_pick(("Buyer", "Analyst", "Controller"), "title")} END AS job_title,
              CAST(CASE WHEN id <= 24 THEN id WHEN id <= 110 THEN 1 + id % 24 END AS INT)
                AS store_id,
              DATE'2016-01-01' + CAST(pmod(hash(id, 'hired'), 2900) AS INT) AS hire_date,
              concat('+1-555-8', lpad(CAST(id AS STRING), 3, '0')) AS phone_number,
              CAST(16 + pmod(hash(id, 'rate'), 20) + 0.5 AS DECIMAL(8,2)) AS hourly_rate
            FROM $ids""",
        "pos.stores": f"""
            SELECT id, CAST(id AS INT) AS store_id,
              concat({_pick(CITIES, "scity")}, ' ', {_pick(("Central", "Mall", "Outlet"), "site")})
                AS store_name,
              {_nth(regions, "1 + id % 6")} AS region_code,
              {_pick(CITIES, "scity")} AS city,
              DATE'2015-01-01' + CAST(id * 97 AS INT) AS opened_on,
              CAST(id AS INT) AS manager_employee_id,
              CAST(8000 + pmod(hash(id, 'sqft'), 12000) AS INT) AS square_feet
            FROM $ids""",
        "pos.terminals": f"""
            SELECT id, CAST(1 + (id - 1) DIV 2 AS INT) AS store_id,
              CAST(1 + (id - 1) % 2 AS INT) AS terminal_number,
              {_pick(("Verifone V400", "Ingenico Move5000", "Square Register"), "model")} AS model,
              'active' AS status,
              DATE'2021-06-01' + CAST(pmod(hash(id, 'installed'), 600) AS INT) AS installed_on
            FROM $ids""",
    }  # fmt: skip


def _shop_facts(promotions: Sequence[object], carriers: Sequence[object]) -> dict[str, str]:
    return {
        "shop.orders": f"""
            SELECT id, id AS order_id,
              CAST(1 + pmod(hash(id, 'customer'), 500) AS INT) AS customer_id,
              {ORDER_TS} AS order_ts,
              {ORDER_STATUS} AS status,
              {_pick(("web", "app", "marketplace"), "channel")} AS channel,
              IF(id % 5 = 0, {_pick(promotions, "promo")}, NULL) AS promotion_code,
              {SHIPPING_FEE} AS shipping_fee
            FROM $ids""",
        "shop.order_lines": f"""
            SELECT id, id AS order_id, line_number, {_line_items("shop")},
              {_discount("id", "line_number")} AS discount_amount
            FROM {_lines_of(ORDER_LINES)}""",
        "shop.payments": f"""
            SELECT id, id + 10000 AS payment_id, id AS order_id,
              CAST(1 + pmod(hash(id, 'method'), 6) AS INT) AS payment_method_id,
              CAST({_basket_total(ORDER_LINES, "shop")} + {SHIPPING_FEE} AS DECIMAL(12,2))
                AS amount,
              'USD' AS currency,
              timestampadd(SECOND, 45, {ORDER_TS}) AS paid_at,
              CASE {ORDER_STATUS} WHEN 'placed' THEN 'authorized' WHEN 'cancelled' THEN 'voided'
                ELSE 'captured' END AS payment_status
            FROM $ids""",
        "shop.shipments": f"""
            SELECT id, {ORDER_STATUS} AS seed_order_status,
              id + 20000 AS shipment_id, id AS order_id,
              {_pick(carriers, "carrier")} AS carrier_code,
              concat('1Z', lpad(CAST(id * 7919 AS STRING), 10, '0')) AS tracking_number,
              timestampadd(HOUR, 12, {ORDER_TS}) AS shipped_at,
              IF({ORDER_STATUS} = 'delivered', timestampadd(HOUR, 36, {ORDER_TS}), NULL)
                AS delivered_at,
              timestampadd(HOUR, IF({ORDER_STATUS} = 'delivered', 36, 12), {ORDER_TS})
                AS updated_at
            FROM $ids""",
        "shop.returns": f"""
            SELECT id, {ORDER_STATUS} AS seed_order_status,
              id + 50000 AS return_id, id AS order_id, 1 AS line_number,
              {_product("id", "1", "shop")} AS product_id,
              {_quantity("id", "1", "shop")} AS quantity,
              {_pick(("damaged", "wrong size", "not as described", "changed mind"), "reason")}
                AS reason,
              timestampadd(DAY, 3, {ORDER_TS}) AS returned_at
            FROM $ids""",
        "shop.refunds": f"""
            SELECT id, {ORDER_STATUS} AS seed_order_status,
              id + 60000 AS refund_id, id + 10000 AS payment_id, id AS order_id,
              id + 50000 AS return_id,
              {_line_amount("id", "1")} AS amount,
              IF(id % 26 = 0, 'pending', 'completed') AS refund_status,
              timestampadd(DAY, 4, {ORDER_TS}) AS requested_at
            FROM $ids""",
    }  # fmt: skip


def _erp_and_pos_facts() -> dict[str, str]:
    line = _line_amount("id", "line_number")
    quantity = _quantity("id", "line_number", "shop")
    cost = (
        f"CAST({quantity} * {_unit_cost(_product('id', 'line_number', 'shop'))} AS DECIMAL(12,2))"
    )
    return {
        "erp.order_line_margins": f"""
            SELECT id, id AS order_id, line_number,
              {_product("id", "line_number", "shop")} AS product_id,
              {line} AS revenue, {cost} AS cost, CAST({line} - {cost} AS DECIMAL(12,2)) AS margin,
              DATE'2024-02-29' + $day AS computed_on
            FROM {_lines_of(ORDER_LINES)}""",
        "erp.inventory_snapshots": """
            SELECT id, DATE'2024-02-29' + $day AS snapshot_date,
              CAST(1 + id DIV 5 AS INT) AS product_id, CAST(1 + id % 5 AS INT) AS warehouse_id,
              CAST(pmod(hash(id, $day, 'on_hand'), 400) AS INT) AS on_hand_units,
              CAST(pmod(hash(id, $day, 'reserved'), 30) AS INT) AS reserved_units,
              CAST(20 + pmod(hash(id, 'reorder'), 60) AS INT) AS reorder_point
            FROM $ids""",
        "erp.purchase_orders": f"""
            SELECT id, CAST(id AS INT) AS po_id,
              CAST(1 + pmod(hash(id, 'supplier'), 40) AS INT) AS supplier_id,
              CAST(1 + id % 5 AS INT) AS warehouse_id,
              {PO_ORDERED_ON} AS ordered_on,
              {PO_ORDERED_ON} + 14 AS expected_on,
              IF(id <= {RECEIVED_POS}, 'received', 'open') AS po_status,
              CAST(500 + pmod(hash(id, 'po_cost'), 9500) AS DECIMAL(12,2)) AS total_cost
            FROM $ids""",
        "erp.supplier_invoices": f"""
            SELECT id, CAST(id + 70000 AS INT) AS invoice_id, CAST(id AS INT) AS po_id,
              CAST(1 + pmod(hash(id, 'supplier'), 40) AS INT) AS supplier_id,
              LEAST({PO_ORDERED_ON} + 7, DATE'2024-02-29' + $day) AS invoice_date,
              CAST(500 + pmod(hash(id, 'po_cost'), 9500) AS DECIMAL(12,2)) AS amount,
              id <= 100 AS is_paid
            FROM $ids WHERE id <= {RECEIVED_POS}""",
        "pos.pos_sales": f"""
            SELECT id, id AS transaction_id,
              CAST(1 + pmod(hash(id, 'store'), 24) AS INT) AS store_id,
              CAST(1 + id % 2 AS INT) AS terminal_number,
              CAST(25 + pmod(hash(id, 'cashier'), 86) AS INT) AS cashier_employee_id,
              IF(id % 4 = 0, CAST(1 + pmod(hash(id, 'member'), 500) AS INT), NULL) AS customer_id,
              {SOLD_AT} AS sold_at,
              CAST(1 + pmod(hash(id, 'tender'), 6) AS INT) AS payment_method_id,
              {_basket_total(TILL_LINES, "pos")} AS total_amount
            FROM $ids""",
        "pos.pos_sale_lines": f"""
            SELECT id, id AS transaction_id, line_number, {_line_items("pos")},
              {_line_amount("id", "line_number", "pos")} AS line_amount
            FROM {_lines_of(TILL_LINES)}""",
    }  # fmt: skip
