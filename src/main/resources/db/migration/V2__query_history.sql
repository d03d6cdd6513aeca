-- Every warehouse query a learner ran, with its outcome; written after the answer is sent.
create table query_history (
    id         text primary key,
    username   text not null references users (username) on delete cascade,
    sql        text not null,
    status     text not null,
    row_count  integer,
    elapsed_ms bigint,
    error      text,
    created_at timestamptz not null
);
create index query_history_by_user on query_history (username, created_at desc);
