-- 010: extra attributes of items and locations (store size, format, demographics, pack size...),
-- versioned with their SCD type-2 row like every other dimension column. A run or backtest that
-- names some of them (`--attributes location.sqft,item.pack`) gives them to the global model as
-- features; the values it used are kept per series with the run (lineage), as valid at the cutoff.
ALTER TABLE demand.items
    ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}'
        CONSTRAINT item_attributes_are_an_object CHECK (jsonb_typeof(attributes) = 'object');
COMMENT ON COLUMN demand.items.attributes IS
    'Extra item attributes as a JSON object: numbers are used as they are, strings as codes, booleans as 0/1.';
ALTER TABLE demand.locations
    ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}'
        CONSTRAINT location_attributes_are_an_object CHECK (jsonb_typeof(attributes) = 'object');
COMMENT ON COLUMN demand.locations.attributes IS
    'Extra location attributes as a JSON object: numbers are used as they are, strings as codes, booleans as 0/1.';

ALTER TABLE forecast.run_series ADD COLUMN attributes jsonb;
COMMENT ON COLUMN forecast.run_series.attributes IS
    'The attributes the run''s global model used, as valid at the cutoff: {"item.<key>": value, "location.<key>": value}; NULL when none were configured.';
ALTER TABLE forecast.backtest_series ADD COLUMN attributes jsonb;
COMMENT ON COLUMN forecast.backtest_series.attributes IS
    'The named attributes as valid at the newest cutoff (see run_series.attributes); each fold''s global model reads them as valid at its own cutoff.';
