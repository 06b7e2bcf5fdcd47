-- name: sales_stale_source
-- table: demand.sales
-- severity: block
-- applies_to: runs
-- owner: data-engineering
-- description: The newest sales load is older than the freshness SLA at the run's as-of time: the feed has stopped.
SELECT max(loaded_at) AS newest_load, @as_of - max(loaded_at) AS age, @stale_sla AS sla
FROM @schema.sales
WHERE loaded_at <= @as_of
HAVING max(loaded_at) IS NULL OR max(loaded_at) < @as_of - @stale_sla
