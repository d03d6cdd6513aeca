-- dbt jobs. The record outlives the job's time in memory; the log lives in the user's directory beside it.
create table jobs (
    id                 text primary key,
    username           text not null references users (username) on delete cascade,
    command            text not null,
    args               jsonb not null,
    status             text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted')),
    created_at         timestamptz not null,
    started_at         timestamptz,
    finished_at        timestamptz,
    exit_code          integer,
    progress_completed integer not null default 0,
    progress_total     integer not null default 0,
    nodes              jsonb not null default '[]',
    -- The dbt process group, so that a restart can kill what a crashed service left behind.
    pgid               bigint
);

create index jobs_by_user on jobs (username, created_at desc);
create index jobs_unfinished on jobs (status) where status in ('queued', 'running');
