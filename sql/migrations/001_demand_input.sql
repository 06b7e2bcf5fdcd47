-- 001: the input contract, schema "demand".
-- What a user maps their ERP tables onto. Each table may be replaced by a view of the same
-- shape. Keys are nullable on sales so that the data contracts in sql/contracts can report bad
-- rows with samples; identifiers use the "C" collation (byte order: fast, and right for codes).
CREATE SCHEMA IF NOT EXISTS demand;

-- Net units per item, location and period (ds = the day, or the Monday of the week for weekly data).
CREATE TABLE demand.sales (
    item_id     text COLLATE "C",
    location_id text COLLATE "C",
    ds          date,
    qty         double precision,
    loaded_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE demand.sales IS 'Net units sold per item x location x period; one row per key. A missing row means zero sales.';
COMMENT ON COLUMN demand.sales.loaded_at IS 'When the row arrived; a run as of T reads only rows loaded by T.';
-- One row per key, enforced. (A source without this index, e.g. a view over an ERP table, is
-- checked row by row by the sales_duplicate_keys contract instead.) INCLUDE makes the
-- per-series reads of the workers index-only scans.
CREATE UNIQUE INDEX sales_series_ds_key ON demand.sales (item_id, location_id, ds) INCLUDE (qty, loaded_at);
CREATE INDEX sales_ds_idx ON demand.sales (ds);
-- Freshness (newest load) and incremental reads by load time.
CREATE INDEX sales_loaded_at_idx ON demand.sales (loaded_at);

-- SCD type 2: one row per version, valid on [valid_from, valid_to); valid_to NULL = current.
CREATE TABLE demand.items (
    item_id     text COLLATE "C" NOT NULL,
    valid_from  date NOT NULL,
    valid_to    date,
    category    text NOT NULL,
    family      text NOT NULL,
    description text,
    CONSTRAINT items_pkey PRIMARY KEY (item_id, valid_from),
    CONSTRAINT items_valid_range_is_ordered CHECK (valid_to IS NULL OR valid_to > valid_from)
);
COMMENT ON TABLE demand.items IS 'Item dimension, SCD type 2: versions valid on [valid_from, valid_to), valid_to NULL = current.';

CREATE TABLE demand.locations (
    location_id  text COLLATE "C" NOT NULL,
    valid_from   date NOT NULL,
    valid_to     date,
    region       text NOT NULL,
    store_format text,
    CONSTRAINT locations_pkey PRIMARY KEY (location_id, valid_from),
    CONSTRAINT locations_valid_range_is_ordered CHECK (valid_to IS NULL OR valid_to > valid_from)
);
COMMENT ON TABLE demand.locations IS 'Location dimension, SCD type 2: versions valid on [valid_from, valid_to), valid_to NULL = current.';

CREATE TABLE demand.calendar (
    ds         date PRIMARY KEY,
    event      text,
    is_holiday boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE demand.calendar IS 'One row per day, history and future; must cover every forecast horizon.';

-- Planned inputs: usable by a run only when known_at <= the run''s as-of time.
CREATE TABLE demand.prices (
    item_id     text COLLATE "C" NOT NULL,
    location_id text COLLATE "C" NOT NULL,
    ds          date NOT NULL,
    price       double precision NOT NULL,
    known_at    timestamptz NOT NULL,
    CONSTRAINT prices_pkey PRIMARY KEY (item_id, location_id, ds, known_at),
    CONSTRAINT price_is_positive CHECK (price > 0)
);

CREATE TABLE demand.promotions (
    item_id     text COLLATE "C" NOT NULL,
    location_id text COLLATE "C" NOT NULL,
    ds          date NOT NULL,
    promo_type  text NOT NULL,
    intensity   double precision NOT NULL,
    known_at    timestamptz NOT NULL,
    CONSTRAINT promotions_pkey PRIMARY KEY (item_id, location_id, ds, promo_type, known_at),
    CONSTRAINT intensity_is_fraction CHECK (intensity >= 0 AND intensity <= 1)
);

CREATE TABLE demand.inventory (
    item_id     text COLLATE "C" NOT NULL,
    location_id text COLLATE "C" NOT NULL,
    ds          date NOT NULL,
    on_hand     double precision NOT NULL,
    stockout    boolean NOT NULL,
    CONSTRAINT inventory_pkey PRIMARY KEY (item_id, location_id, ds)
);
COMMENT ON COLUMN demand.inventory.stockout IS 'True when the item was out of stock that period: zero sales then are censored demand, not zero demand.';
