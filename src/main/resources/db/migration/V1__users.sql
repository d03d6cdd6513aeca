-- Users of the learning platform. The bearer token is stored only as its SHA-256.
create table users (
    username   text primary key check (username ~ '^[a-z][a-z0-9_]{2,31}$'),
    token_hash bytea not null unique,
    created_at timestamptz not null default now()
);
