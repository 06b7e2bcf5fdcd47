import Testing

/// Every integration test talks to a real PostgreSQL and some start real `forecastctl`
/// processes with timing (leases), so they run one at a time.
@Suite(.serialized) struct Integration {}
