"""The demo's bronze layer: a small, deterministic, Fivetran-shaped extract of three systems.

Source systems: `shop` (the web shop), `erp` (suppliers, warehouses, staff, stock, purchasing)
and `pos` (the stores' tills), in catalog `dev_bronze`. Every table has `_fivetran_synced
TIMESTAMP` and `_fivetran_deleted BOOLEAN`. The tables that scd1, scd2 and
fact_incremental_merge load keep history: day 2 holds every day-1 row plus the rows synced
since (changes, soft deletes). The tables that fact_overwrite loads are full extracts, replaced
each day. Day-1 rows are synced at 2024-03-01 02:00:00 + k seconds, day-2 rows at
2024-03-02 02:00:00 + k seconds, k being the row's key (the order id for order lines).
SCD2 versions take their effective_from/effective_to from `_fivetran_synced`.

Day 2, and what silver shows once it is loaded:

shop.customers (scd2, history except loyalty_points, last_login_at); silver 500 rows -> 507,
  504 current:
  7: email -> NULL; the change row is in bronze twice (an exact duplicate): one new version.
  9: phone NULL -> '+1-555-0009': new version.
  3: loyalty_points -> 4321, last_login_at -> 2024-03-01 18:45:00: updated in place, 1 version.
  5: deleted: its version is closed (effective_to 2024-03-02 02:00:05), no current version.
  12: a late event (synced 2024-02-28 09:00:00, city 'Springfield'), older than its current
      version: ignored.
  501-505: new.
shop.products (scd2, history of product_name, category_id, list_price, status); silver 200
  rows -> 202, 200 current:
  4: list_price 152.99 -> 139.99: new version.
  10: description NULL -> 'Now with a two-year warranty': updated in place.
  15: deleted: closed.  201: new.
shop.categories (scd1), 12 -> 13 rows: 7 renamed 'Kitchen & Dining'; 9: a late event
  ('Hiking', synced 2024-02-28 09:00:00) ignored, still 'Camping'; 13 'Gaming' new.
shop.promotions (scd1): SPRING10 ends_on NULL -> 2024-03-31; WINTER15 deleted (7 rows left).
erp.warehouses (scd1): 5 capacity_units 45000 -> 50000.
erp.suppliers (scd2, history except contact_email, contact_phone): 2 contact_email ->
  'sales@supplier2.example.com' in place; 6 country_code -> 'VN': new version.
erp.employees (scd2, history except phone_number): 40 job_title 'Sales Associate' ->
  'Shift Lead': new version; 41 phone_number -> '+1-555-9041' in place; 30 deleted: closed
  (121 rows, 119 current).
pos.stores (scd2, every column tracked): 3 manager_employee_id 3 -> 50: new version.
pos.terminals (scd1, key store_id + terminal_number), 48 -> 49 rows: (2, 1) status ->
  'retired'; (2, 3) new.
shop.payment_methods, shop.carriers, erp.regions: unchanged.
shop.orders (incremental, watermark _fivetran_synced; day-1 max 2024-03-01 02:10:00, order
  600), 600 -> 649 rows:
  601, 602: new, synced 2024-03-01 02:10:00, equal to the day-1 max watermark: inserted.
  603-650: new (610's row is in bronze twice: one row).
  42: status 'placed' -> 'shipped'.  547: status 'shipped' -> 'delivered'.  43: deleted.
shop.order_lines (incremental, watermark _fivetran_synced): lines of 601-650 inserted (601
  and 602 at the day-1 max watermark); the 2 lines of order 43 deleted. 1200 -> 1299 rows.
shop.payments (incremental): 601-650 inserted; 42 'authorized' -> 'captured'; 43 deleted.
  600 -> 649 rows.
shop.shipments (incremental, watermark updated_at), 532 -> 533 rows: order 42's shipment
  20042 new; 20547 delivered_at NULL -> 2024-03-01 11:30:00.
shop.refunds (incremental, watermark _fivetran_synced): 60026 'pending' -> 'completed'; 15 new
  refunds for the orders returned on day 2. 34 -> 49 rows.
pos.pos_sales (incremental, watermark sold_at; day-1 max 2024-02-29 16:53:20, transaction
  2000), 2000 -> 2060 rows: 2001, 2002 sold at that same max: inserted; 2003-2060 new.
pos.pos_sale_lines (incremental): lines of 2001-2060 inserted, 3000 -> 3090 rows.
Full extracts (fact_overwrite), replaced: erp.inventory_snapshots (snapshot_date 2024-03-01 ->
  2024-03-02, 1000 rows), erp.purchase_orders (150 -> 160; 131-140 'open' -> 'received'),
  erp.supplier_invoices (130 -> 140), shop.returns (34 -> 49: orders 29, 58, ... added),
  erp.order_line_margins (lines of 601-650 added, order 43's removed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import reduce
from string import Template
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from medallion_orchestrator.runtime.lakehouse import Lakehouse

CATALOG = "dev_bronze"
SYNCED = {1: "2024-03-01 02:00:00", 2: "2024-03-02 02:00:00"}
LATE = "TIMESTAMP'2024-02-28 09:00:00'"
DELETE = {"_fivetran_deleted": "true"}
WRITERS = 4  # Delta commits are mostly latency: a few overlap well even on 2 cores


@dataclass(frozen=True)
class Rows:
    """Rows of a table's query over the seed ids [lo, hi), filtered, with columns overridden.

    Unless `set` overrides it, `_fivetran_synced` is the day's sync time + the row's sync key.
    """

    ids: tuple[int, int] | None = None
    where: str | None = None
    set: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BronzeTable:
    """`query` selects `id` (the seed, dropped) and the columns FROM `$ids`; `$day` is 1 or 2."""

    schema: str
    name: str
    query: str
    day1: Rows
    day2: tuple[Rows, ...] = ()
    snapshot: bool = False
    sync_key: str = "id"

    @property
    def full_name(self) -> str:
        return f"{CATALOG}.{self.schema}.{self.name}"


def write_bronze(lakehouse: Lakehouse, day: int) -> list[str]:
    """Write (overwrite) every bronze table as Fivetran has it on `day`; their names."""
    if day not in SYNCED:
        raise ValueError(f"day must be 1 or 2, not {day!r}")
    for schema in sorted({table.schema for table in TABLES}):
        lakehouse.ensure_schema(CATALOG, schema)
    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="bronze") as pool:
        list(pool.map(lambda table: _write(lakehouse, table, day), TABLES))
    return [table.full_name for table in TABLES]


def bronze_tables() -> list[str]:
    return [table.full_name for table in TABLES]


def _write(lakehouse: Lakehouse, table: BronzeTable, day: int) -> None:
    frame = build(lakehouse.spark, table, day)
    (
        frame.coalesce(1)
        .write.format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .saveAsTable(lakehouse.table(CATALOG, table.schema, table.name))
    )


def build(spark: SparkSession, table: BronzeTable, day: int) -> DataFrame:
    """The table's rows on `day`: history tables append day-2 rows, snapshots are replaced."""
    if table.snapshot:
        return _rows(spark, table, table.day2[0] if day == 2 and table.day2 else table.day1, day)
    parts = [_rows(spark, table, table.day1, 1)]
    if day == 2:
        parts += [_rows(spark, table, rows, 2) for rows in table.day2]
    return reduce(lambda left, right: left.unionByName(right), parts)


def _rows(spark: SparkSession, table: BronzeTable, rows: Rows, day: int) -> DataFrame:
    from pyspark.sql import functions as F

    low, high = rows.ids or table.day1.ids or (0, 0)
    query = Template(table.query).substitute(ids=f"range({low}, {high})", day=day)
    frame = spark.sql(query)
    if rows.where:
        frame = frame.where(rows.where)
    synced = f"timestampadd(SECOND, {table.sync_key}, TIMESTAMP'{SYNCED[day]}')"
    frame = frame.withColumns(
        {"_fivetran_synced": F.expr(synced), "_fivetran_deleted": F.lit(False)}
    )
    typed = frame.schema
    frame = frame.withColumns({name: F.expr(value) for name, value in rows.set.items()})
    return frame.select(*[F.col(f.name).cast(f.dataType) for f in typed.fields]).drop("id")


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


def _dates(values: Sequence[str | None]) -> str:
    """SQL: the `id`-th of `values`, as DATE."""
    items = ", ".join("NULL" if value is None else f"DATE'{value}'" for value in values)
    return f"element_at(array({items}), CAST(id AS INT))"


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


def _basket_total(lines: str, salt: str) -> str:
    line = _line_amount("id", "l", salt)
    return (
        f"aggregate(sequence(1, {lines}), CAST(0 AS DECIMAL(12,2)), "
        f"(acc, l) -> CAST(acc + {line} AS DECIMAL(12,2)))"
    )


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
DAY1_MAX_SOLD_AT = "TIMESTAMP'2024-02-29 16:53:20'"  # transaction 2000's sold_at
SHIPPING_FEE = "CAST(IF(id % 3 = 0, 0, 4.99) AS DECIMAL(8,2))"
RETURNED = f"id <= 500 AND {ORDER_STATUS} = 'delivered'"
RECEIVED_POS = "IF($day = 1, 130, 140)"
PO_ORDERED_ON = (
    "IF(id <= 150, DATE'2024-01-01' + CAST((id - 1) * 60 DIV 150 AS INT), DATE'2024-03-01')"
)
LINES_OF_ORDERS = f"(SELECT id, explode(sequence(1, {ORDER_LINES})) AS line_number FROM $ids)"

FIRST_NAMES = ("Ava", "Liam", "Noah", "Emma", "Mia", "Lucas", "Zoe", "Omar", "Priya", "Chen")
LAST_NAMES = ("Smith", "Garcia", "Kim", "Nguyen", "Patel", "Muller", "Rossi", "Okafor", "Silva")
CITIES = ("Boston", "Atlanta", "Chicago", "Dallas", "Denver", "Seattle", "Portland", "Miami")
REGIONS = ("NE", "SE", "MW", "SW", "WE", "NW")
ADJECTIVES = ("Classic", "Ultra", "Eco", "Smart", "Pro", "Mini")
NOUNS = ("Kettle", "Lamp", "Backpack", "Headphones", "Jacket", "Tent", "Mug")
CARRIERS = ("UPS", "FEDEX", "USPS", "DHL", "ONTRAC")
PROMOTIONS = ("WELCOME5", "WINTER15", "SPRING10", "VIP20", "FREESHIP", "APP10", "LOYAL8", "FLASH30")
CATEGORIES = (
    "Electronics", "Home", "Outdoors", "Apparel", "Phones", "Laptops", "Kitchen", "Furniture",
    "Camping", "Cycling", "Menswear", "Womenswear", "Gaming",
)  # fmt: skip


def _dimensions() -> tuple[BronzeTable, ...]:
    return (
        BronzeTable("shop", "customers", f"""
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
            Rows((1, 501)),
            (
                Rows((7, 8), set={"email": "NULL"}),
                Rows((7, 8), set={"email": "NULL"}),
                Rows((9, 10), set={"phone": "'+1-555-0009'"}),
                Rows((3, 4), set={"loyalty_points": "4321",
                                  "last_login_at": "TIMESTAMP'2024-03-01 18:45:00'"}),
                Rows((5, 6), set=DELETE),
                Rows((12, 13), set={"city": "'Springfield'", "_fivetran_synced": LATE}),
                Rows((501, 506)),
            ),
        ),
        BronzeTable("shop", "products", f"""
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
            Rows((1, 201)),
            (
                Rows((4, 5), set={"list_price": "139.99"}),
                Rows((10, 11), set={"description": "'Now with a two-year warranty'"}),
                Rows((15, 16), set=DELETE),
                Rows((201, 202)),
            ),
        ),
        BronzeTable("shop", "categories", f"""
            SELECT id, CAST(id AS INT) AS category_id, {_nth(CATEGORIES)} AS category_name,
              CAST(IF(id <= 4, NULL, top) AS INT) AS parent_category_id,
              {_nth(CATEGORIES[:4], "top")} AS department
            FROM (SELECT id, CASE WHEN id <= 4 THEN id WHEN id = 13 THEN 1
                  ELSE (id - 3) DIV 2 END AS top FROM $ids)""",
            Rows((1, 13)),
            (
                Rows((7, 8), set={"category_name": "'Kitchen & Dining'"}),
                Rows((9, 10), set={"category_name": "'Hiking'", "_fivetran_synced": LATE}),
                Rows((13, 14)),
            ),
        ),
        BronzeTable("shop", "promotions", f"""
            SELECT id, {_nth(PROMOTIONS)} AS promotion_code,
              {_nth(("Welcome offer", "Winter sale", "Spring sale", "VIP members",
                     "Free shipping", "App users", "Loyalty reward", "Flash sale"))} AS description,
              CAST({_nth((5, 15, 10, 20, 0, 10, 8, 30))} AS DECIMAL(5,2)) AS discount_pct,
              {_dates(("2023-01-01", "2023-12-01", "2024-02-15", "2023-06-01", "2023-01-01",
                       "2024-01-10", "2023-09-01", "2024-02-20"))} AS starts_on,
              {_dates((None, "2024-02-29", None, None, None, "2024-03-31", None, "2024-02-21"))}
                AS ends_on
            FROM $ids""",
            Rows((1, 9)),
            (
                Rows(where="promotion_code = 'SPRING10'", set={"ends_on": "DATE'2024-03-31'"}),
                Rows(where="promotion_code = 'WINTER15'", set=DELETE),
            ),
        ),
        BronzeTable("shop", "payment_methods", f"""
            SELECT id, CAST(id AS INT) AS payment_method_id,
              {_nth(("Visa", "Mastercard", "Amex", "PayPal", "Apple Pay", "Gift card"))}
                AS method_name,
              {_nth(("Stripe", "Stripe", "Stripe", "PayPal", "Stripe", "In-house"))} AS provider,
              id <= 3 AS is_card
            FROM $ids""",
            Rows((1, 7)),
        ),
        BronzeTable("shop", "carriers", f"""
            SELECT id, {_nth(CARRIERS)} AS carrier_code,
              {_nth(("United Parcel Service", "FedEx", "US Postal Service", "DHL Express",
                     "OnTrac"))} AS carrier_name,
              {_nth(("ground", "express", "economy", "express", "regional"))} AS service_level
            FROM $ids""",
            Rows((1, 6)),
        ),
        BronzeTable("erp", "regions", f"""
            SELECT id, {_nth(REGIONS)} AS region_code,
              {_nth(("Northeast", "Southeast", "Midwest", "Southwest", "West", "Northwest"))}
                AS region_name,
              'US' AS country_code,
              {_nth(("America/New_York", "America/New_York", "America/Chicago",
                     "America/Chicago", "America/Los_Angeles", "America/Los_Angeles"))}
                AS timezone
            FROM $ids""",
            Rows((1, 7)),
        ),
        BronzeTable("erp", "warehouses", f"""
            SELECT id, CAST(id AS INT) AS warehouse_id,
              {_nth(("Newark DC", "Atlanta DC", "Chicago DC", "Dallas DC", "Reno DC"))}
                AS warehouse_name,
              {_nth(REGIONS[:5])} AS region_code,
              CAST(20000 + id * 5000 AS INT) AS capacity_units
            FROM $ids""",
            Rows((1, 6)),
            (Rows((5, 6), set={"capacity_units": "50000"}),),
        ),
        BronzeTable("erp", "suppliers", f"""
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
            Rows((1, 41)),
            (
                Rows((2, 3), set={"contact_email": "'sales@supplier2.example.com'"}),
                Rows((6, 7), set={"country_code": "'VN'"}),
            ),
        ),
        BronzeTable("erp", "employees", f"""
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
            Rows((1, 121)),
            (
                Rows((40, 41), set={"job_title": "'Shift Lead'"}),
                Rows((41, 42), set={"phone_number": "'+1-555-9041'"}),
                Rows((30, 31), set=DELETE),
            ),
        ),
        BronzeTable("pos", "stores", f"""
            SELECT id, CAST(id AS INT) AS store_id,
              concat({_pick(CITIES, "scity")}, ' ', {_pick(("Central", "Mall", "Outlet"), "site")})
                AS store_name,
              {_nth(REGIONS, "1 + id % 6")} AS region_code,
              {_pick(CITIES, "scity")} AS city,
              DATE'2015-01-01' + CAST(id * 97 AS INT) AS opened_on,
              CAST(id AS INT) AS manager_employee_id,
              CAST(8000 + pmod(hash(id, 'sqft'), 12000) AS INT) AS square_feet
            FROM $ids""",
            Rows((1, 25)),
            (Rows((3, 4), set={"manager_employee_id": "50"}),),
        ),
        BronzeTable("pos", "terminals", f"""
            SELECT id, CAST(1 + (id - 1) DIV 2 AS INT) AS store_id,
              CAST(1 + (id - 1) % 2 AS INT) AS terminal_number,
              {_pick(("Verifone V400", "Ingenico Move5000", "Square Register"), "model")} AS model,
              'active' AS status,
              DATE'2021-06-01' + CAST(pmod(hash(id, 'installed'), 600) AS INT) AS installed_on
            FROM $ids""",
            Rows((1, 49)),
            (
                Rows(where="store_id = 2 AND terminal_number = 1", set={"status": "'retired'"}),
                Rows(where="store_id = 2 AND terminal_number = 2",
                     set={"terminal_number": "3", "model": "'Verifone V400'",
                          "installed_on": "DATE'2024-03-01'"}),
            ),
        ),
    )  # fmt: skip


def _shop_facts() -> tuple[BronzeTable, ...]:
    max_synced = f"timestampadd(SECOND, 600, TIMESTAMP'{SYNCED[1]}')"
    at_day1_max = {"_fivetran_synced": max_synced}
    return (
        BronzeTable("shop", "orders", f"""
            SELECT id, id AS order_id,
              CAST(1 + pmod(hash(id, 'customer'), 500) AS INT) AS customer_id,
              {ORDER_TS} AS order_ts,
              {ORDER_STATUS} AS status,
              {_pick(("web", "app", "marketplace"), "channel")} AS channel,
              IF(id % 5 = 0, {_pick(PROMOTIONS, "promo")}, NULL) AS promotion_code,
              {SHIPPING_FEE} AS shipping_fee
            FROM $ids""",
            Rows((1, 601)),
            (
                Rows((601, 603), set=at_day1_max),
                Rows((603, 651)),
                Rows((610, 611)),
                Rows((42, 43), set={"status": "'shipped'"}),
                Rows((547, 548), set={"status": "'delivered'"}),
                Rows((43, 44), set=DELETE),
            ),
        ),
        BronzeTable("shop", "order_lines", f"""
            SELECT id, id AS order_id, line_number,
              {_product("id", "line_number", "shop")} AS product_id,
              {_quantity("id", "line_number", "shop")} AS quantity,
              {_price(_product("id", "line_number", "shop"))} AS unit_price,
              {_discount("id", "line_number")} AS discount_amount
            FROM {LINES_OF_ORDERS}""",
            Rows((1, 601)),
            (Rows((601, 603), set=at_day1_max), Rows((603, 651)), Rows((43, 44), set=DELETE)),
        ),
        BronzeTable("shop", "payments", f"""
            SELECT id, id + 10000 AS payment_id, id AS order_id,
              CAST(1 + pmod(hash(id, 'method'), 6) AS INT) AS payment_method_id,
              CAST({_basket_total(ORDER_LINES, "shop")} + {SHIPPING_FEE} AS DECIMAL(12,2))
                AS amount,
              'USD' AS currency,
              timestampadd(SECOND, 45, {ORDER_TS}) AS paid_at,
              CASE {ORDER_STATUS} WHEN 'placed' THEN 'authorized' WHEN 'cancelled' THEN 'voided'
                ELSE 'captured' END AS payment_status
            FROM $ids""",
            Rows((1, 601)),
            (
                Rows((601, 603), set=at_day1_max),
                Rows((603, 651)),
                Rows((42, 43), set={"payment_status": "'captured'"}),
                Rows((43, 44), set=DELETE),
            ),
        ),
        BronzeTable("shop", "shipments", f"""
            SELECT id, id + 20000 AS shipment_id, id AS order_id,
              {_pick(CARRIERS, "carrier")} AS carrier_code,
              concat('1Z', lpad(CAST(id * 7919 AS STRING), 10, '0')) AS tracking_number,
              timestampadd(HOUR, 12, {ORDER_TS}) AS shipped_at,
              IF({ORDER_STATUS} = 'delivered', timestampadd(HOUR, 36, {ORDER_TS}), NULL)
                AS delivered_at,
              timestampadd(HOUR, IF({ORDER_STATUS} = 'delivered', 36, 12), {ORDER_TS})
                AS updated_at
            FROM $ids""",
            Rows((1, 601), where=f"{ORDER_STATUS} IN ('shipped', 'delivered')"),
            (
                Rows((42, 43), set={"shipped_at": "TIMESTAMP'2024-03-01 15:00:00'",
                                    "updated_at": "TIMESTAMP'2024-03-01 15:00:00'"}),
                Rows((547, 548), set={"delivered_at": "TIMESTAMP'2024-03-01 11:30:00'",
                                      "updated_at": "TIMESTAMP'2024-03-01 11:30:00'"}),
            ),
        ),
        BronzeTable("shop", "returns", f"""
            SELECT id, id + 50000 AS return_id, id AS order_id, 1 AS line_number,
              {_product("id", "1", "shop")} AS product_id,
              {_quantity("id", "1", "shop")} AS quantity,
              {_pick(("damaged", "wrong size", "not as described", "changed mind"), "reason")}
                AS reason,
              timestampadd(DAY, 3, {ORDER_TS}) AS returned_at
            FROM $ids""",
            Rows((1, 601), where=f"{RETURNED} AND id % 13 = 0"),
            (Rows((1, 601), where=f"{RETURNED} AND (id % 13 = 0 OR id % 29 = 0)"),),
            snapshot=True,
        ),
        BronzeTable("shop", "refunds", f"""
            SELECT id, id + 60000 AS refund_id, id + 10000 AS payment_id, id AS order_id,
              id + 50000 AS return_id,
              {_line_amount("id", "1")} AS amount,
              IF(id % 26 = 0, 'pending', 'completed') AS refund_status,
              timestampadd(DAY, 4, {ORDER_TS}) AS requested_at
            FROM $ids""",
            Rows((1, 601), where=f"{RETURNED} AND id % 13 = 0"),
            (
                Rows((1, 601), where=f"{RETURNED} AND id % 29 = 0 AND id % 13 <> 0"),
                Rows((26, 27), set={"refund_status": "'completed'"}),
            ),
        ),
    )  # fmt: skip


def _erp_and_pos_facts() -> tuple[BronzeTable, ...]:
    line = _line_amount("id", "line_number")
    quantity = _quantity("id", "line_number", "shop")
    cost = (
        f"CAST({quantity} * {_unit_cost(_product('id', 'line_number', 'shop'))} AS DECIMAL(12,2))"
    )
    return (
        BronzeTable("erp", "order_line_margins", f"""
            SELECT id, id AS order_id, line_number,
              {_product("id", "line_number", "shop")} AS product_id,
              {line} AS revenue, {cost} AS cost, CAST({line} - {cost} AS DECIMAL(12,2)) AS margin,
              DATE'2024-02-29' + $day AS computed_on
            FROM {LINES_OF_ORDERS}""",
            Rows((1, 601)),
            (Rows((1, 651), where="order_id <> 43"),),
            snapshot=True,
        ),
        BronzeTable("erp", "inventory_snapshots", """
            SELECT id, DATE'2024-02-29' + $day AS snapshot_date,
              CAST(1 + id DIV 5 AS INT) AS product_id, CAST(1 + id % 5 AS INT) AS warehouse_id,
              CAST(pmod(hash(id, $day, 'on_hand'), 400) AS INT) AS on_hand_units,
              CAST(pmod(hash(id, $day, 'reserved'), 30) AS INT) AS reserved_units,
              CAST(20 + pmod(hash(id, 'reorder'), 60) AS INT) AS reorder_point
            FROM $ids""",
            Rows((0, 1000)),
            (Rows((0, 1000)),),
            snapshot=True,
        ),
        BronzeTable("erp", "purchase_orders", f"""
            SELECT id, CAST(id AS INT) AS po_id,
              CAST(1 + pmod(hash(id, 'supplier'), 40) AS INT) AS supplier_id,
              CAST(1 + id % 5 AS INT) AS warehouse_id,
              {PO_ORDERED_ON} AS ordered_on,
              {PO_ORDERED_ON} + 14 AS expected_on,
              IF(id <= {RECEIVED_POS}, 'received', 'open') AS po_status,
              CAST(500 + pmod(hash(id, 'po_cost'), 9500) AS DECIMAL(12,2)) AS total_cost
            FROM $ids""",
            Rows((1, 151)),
            (Rows((1, 161)),),
            snapshot=True,
        ),
        BronzeTable("erp", "supplier_invoices", f"""
            SELECT id, CAST(id + 70000 AS INT) AS invoice_id, CAST(id AS INT) AS po_id,
              CAST(1 + pmod(hash(id, 'supplier'), 40) AS INT) AS supplier_id,
              LEAST({PO_ORDERED_ON} + 7, DATE'2024-02-29' + $day) AS invoice_date,
              CAST(500 + pmod(hash(id, 'po_cost'), 9500) AS DECIMAL(12,2)) AS amount,
              id <= 100 AS is_paid
            FROM $ids WHERE id <= {RECEIVED_POS}""",
            Rows((1, 151)),
            (Rows((1, 161)),),
            snapshot=True,
        ),
        BronzeTable("pos", "pos_sales", f"""
            SELECT id, id AS transaction_id,
              CAST(1 + pmod(hash(id, 'store'), 24) AS INT) AS store_id,
              CAST(1 + id % 2 AS INT) AS terminal_number,
              CAST(25 + pmod(hash(id, 'cashier'), 86) AS INT) AS cashier_employee_id,
              IF(id % 4 = 0, CAST(1 + pmod(hash(id, 'member'), 500) AS INT), NULL) AS customer_id,
              {SOLD_AT} AS sold_at,
              CAST(1 + pmod(hash(id, 'tender'), 6) AS INT) AS payment_method_id,
              {_basket_total(TILL_LINES, "pos")} AS total_amount
            FROM $ids""",
            Rows((1, 2001)),
            (
                Rows((2001, 2003), set={"sold_at": DAY1_MAX_SOLD_AT}),
                Rows((2003, 2061)),
            ),
        ),
        BronzeTable("pos", "pos_sale_lines", f"""
            SELECT id, id AS transaction_id, line_number,
              {_product("id", "line_number", "pos")} AS product_id,
              {_quantity("id", "line_number", "pos")} AS quantity,
              {_price(_product("id", "line_number", "pos"))} AS unit_price,
              {_line_amount("id", "line_number", "pos")} AS line_amount
            FROM (SELECT id, explode(sequence(1, {TILL_LINES})) AS line_number FROM $ids)""",
            Rows((1, 2001)),
            (Rows((2001, 2061)),),
        ),
    )  # fmt: skip


TABLES: tuple[BronzeTable, ...] = _dimensions() + _shop_facts() + _erp_and_pos_facts()
