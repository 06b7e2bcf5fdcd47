# PostgreSQL 15 with pg_cron (the schedule in the database), for docker-compose.yml.
#   docker build -f ops/postgres.Dockerfile -t forecast-postgres:15 .
# (Not built on the development machine, which has no Docker engine: see README "Containers".)
FROM postgres:15-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15-cron \
 && rm -rf /var/lib/apt/lists/*
