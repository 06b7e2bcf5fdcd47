-- 032: the contracts prices_known_after_load and promotions_known_after_load look for rows whose
-- known_at is later than now (a row that exists was loaded by now, so such a row claims to become
-- known after its own load: a feed stamping known_at with the planned date, whose prices and
-- promotions no run sees until then). These indexes let the check read only such rows. For an
-- input schema of your own, create the same indexes there.
CREATE INDEX prices_known_at_idx ON demand.prices (known_at);
CREATE INDEX promotions_known_at_idx ON demand.promotions (known_at);
