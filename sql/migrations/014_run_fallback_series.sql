-- 014: how many series of a run were served by the naive fallback because their own model failed
-- (model_name 'Naive[fallback]'), counted once at publish time by the output checks.
ALTER TABLE forecast.runs ADD COLUMN fallback_series integer;
COMMENT ON COLUMN forecast.runs.fallback_series IS
    'Series served by Naive[fallback] because their model failed; set when the run is published.';
