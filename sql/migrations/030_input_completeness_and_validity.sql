-- 030: completeness and validity of the input before publishing.
-- * The blocking contract sales_period_landed refuses a run whose cutoff period has not landed (a
--   run before the day's sales load used to publish, and forecast.latest read the missing day as
--   zero demand). A genuinely empty period (a closure) is accepted with `forecastctl run
--   --accept-empty-period`: the violation is then recorded with the waiver that let it pass, on the
--   run's own contract results, and the run's config says so.
-- * Prices must be finite and positive, promotion intensities in [0, 1] (contracts
--   prices_not_finite_positive, promotions_intensity_out_of_range): `price > 0` holds for 'NaN'
--   and 'Infinity', and one such price stopped every run that serves a global model. As in 024,
--   each rule gets a partial index whose predicate is the rule's own, so checking it reads only
--   the offending rows. For an input schema of your own, create the same indexes there.
ALTER TABLE forecast.contract_results
    ADD COLUMN waived_by text,
    ADD CONSTRAINT contract_waiver_is_known CHECK (waived_by IS NULL OR waived_by IN ('accept_empty_period'));
COMMENT ON COLUMN forecast.contract_results.waived_by IS
    'The waiver under which a violated blocking contract let the run continue (accept_empty_period: run --accept-empty-period); NULL otherwise.';

CREATE INDEX prices_invalid_idx ON demand.prices (known_at)
    WHERE NOT (price > 0 AND price < 'Infinity'::float8);
CREATE INDEX promotions_invalid_intensity_idx ON demand.promotions (known_at)
    WHERE NOT (intensity >= 0 AND intensity <= 1);

-- A NaN or infinite restated actual made WAPE NaN and MASE infinite in accuracy_4w, and
-- `served > limit` is false for NaN, so accuracy alerts went silent. evaluate now skips such
-- quantities (a target waits; a restatement to one keeps the previous actual) and counts them.
ALTER TABLE forecast.evaluation_passes ADD COLUMN non_finite_actuals integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN forecast.evaluation_passes.non_finite_actuals IS
    'Sales rows of this pass''s loads whose quantity was NaN or infinite: not used as actuals.';
