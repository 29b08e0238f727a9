-- The schema of Bình An's first release (git show a25d92c:bot/storage.py), kept to test upgrades.
CREATE TABLE IF NOT EXISTS sessions (
    key TEXT PRIMARY KEY,
    state BLOB NOT NULL,           -- encrypted JSON
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS cases (
    code TEXT PRIMARY KEY,
    tier TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    province INTEGER,
    channel TEXT NOT NULL,
    conversation TEXT NOT NULL,    -- keyed hash, never a raw channel id
    needs TEXT NOT NULL DEFAULT '[]',
    reasons TEXT NOT NULL DEFAULT '[]',
    relayed INTEGER NOT NULL DEFAULT 0,
    consent INTEGER NOT NULL DEFAULT 0,
    details BLOB,                  -- encrypted JSON: contact, code word, location, worries
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_code TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,         -- alert content: no personal data by construction
    created_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    delivered_at REAL,
    UNIQUE (case_code, event)
);
CREATE TABLE IF NOT EXISTS oncall (
    staff TEXT PRIMARY KEY,        -- keyed hash of the staff member's id
    since REAL NOT NULL
);
