-- 043: which forecast horizons `evaluate` scores, per frequency. Every horizon of every run was
-- scored: once the runs of a month are kept, a landed day is the target of one run per horizon,
-- so a night scores horizon x series x 2 forecasts (served and the baseline) and reads every run
-- partition that holds them. At a million daily series and 28 days that is 56M evaluation rows a
-- night, read from 28 partitions, and the 4-week views read 28 times that: more than the night
-- has. Demand planning judges forecasts at the lags it acts on (the next day, the replenishment
-- lead time, the planning horizon: e.g. 1, 7, 14 and 28 days), and a night that scores only those
-- reads only the runs whose forecast for the landed day is at one of them (4 partitions instead
-- of 28). NULL (the default) keeps scoring every horizon. Set it from the metrics contract
-- (business.evaluated_horizons, `forecastctl objectives --apply`) or by the table's owner; the
-- worker and reader roles may only read it (a role that could narrow it could hide a model's
-- worst horizon from the accuracy alerts).
ALTER TABLE forecast.service_objectives
    ADD COLUMN evaluated_horizons integer[],
    ADD CONSTRAINT evaluated_horizons_are_steps CHECK (
        evaluated_horizons IS NULL
        OR (array_ndims(evaluated_horizons) = 1 AND cardinality(evaluated_horizons) BETWEEN 1 AND 366
            AND array_position(evaluated_horizons, NULL) IS NULL
            AND 1 <= ALL (evaluated_horizons) AND 366 >= ALL (evaluated_horizons)));
COMMENT ON COLUMN forecast.service_objectives.evaluated_horizons IS
    'The horizons (steps after the cutoff) forecastctl evaluate scores for this frequency, e.g. {1,7,14,28}; NULL: every horizon. Narrowing it leaves the other horizons unscored from then on (the views and alerts judge the evaluated ones).';

-- What each pass scored, as the policy stood when it ran: {"day": [1, 7, 14, 28]}; {} = every horizon.
ALTER TABLE forecast.evaluation_passes ADD COLUMN evaluated_horizons jsonb NOT NULL DEFAULT '{}';
COMMENT ON COLUMN forecast.evaluation_passes.evaluated_horizons IS
    'The horizons this pass scored per frequency (forecast.service_objectives.evaluated_horizons when it ran); a frequency not named: every horizon.';
