"""SQL for the append-only, hash-chained access log (used by the migration and verification)."""

TABLE = "audit_accesslog"

# The canonical text a row's hash is computed over. Timestamps in UTC, microseconds, so the
# session time zone never changes a hash.
ROW_TEXT = """concat_ws('|', {r}.prev_hash, {r}.seq::text,
    to_char({r}.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
    coalesce({r}.actor_id::text, ''), {r}.action, {r}.object_type, {r}.object_id,
    coalesce({r}.citizen_id::text, ''), {r}.purpose, coalesce(host({r}.ip), ''), {r}.request_id)"""

ROW_HASH = "encode(sha256(convert_to(" + ROW_TEXT + ", 'UTF8')), 'hex')"

# Serialises inserts on the chain with a transaction-scoped advisory lock, so concurrent
# requests cannot fork it (the lock key is an arbitrary constant private to this table).
CREATE = f"""
CREATE OR REPLACE FUNCTION audit_accesslog_chain() RETURNS trigger AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(113702161477479);
    SELECT seq, hash INTO last_seq, last_hash FROM {TABLE} ORDER BY seq DESC LIMIT 1;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
    IF NEW.at IS NULL THEN NEW.at := now(); END IF;
    NEW.hash := {ROW_HASH.format(r="NEW")};
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_accesslog_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_accesslog_chain BEFORE INSERT ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_accesslog_chain();
CREATE TRIGGER audit_accesslog_no_update BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_accesslog_refuse();
CREATE TRIGGER audit_accesslog_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_accesslog_refuse();
"""

DROP = f"""
DROP TRIGGER IF EXISTS audit_accesslog_no_truncate ON {TABLE};
DROP TRIGGER IF EXISTS audit_accesslog_no_update ON {TABLE};
DROP TRIGGER IF EXISTS audit_accesslog_chain ON {TABLE};
DROP FUNCTION IF EXISTS audit_accesslog_refuse();
DROP FUNCTION IF EXISTS audit_accesslog_chain();
"""

# Rows whose link or hash does not verify, in chain order, for a seq range.
VERIFY = f"""
SELECT seq, reason FROM (
    SELECT r.seq,
           CASE
             WHEN r.prev_hash IS DISTINCT FROM coalesce(lag(r.hash) OVER w, %(start_hash)s) THEN 'broken link'
             WHEN r.seq <> coalesce(lag(r.seq) OVER w, %(start_seq)s) + 1 THEN 'missing row'
             WHEN r.hash <> {ROW_HASH.format(r="r")} THEN 'altered row'
           END AS reason
    FROM {TABLE} r
    WHERE r.seq > %(start_seq)s AND r.seq <= %(end_seq)s
    WINDOW w AS (ORDER BY r.seq)
) checked WHERE reason IS NOT NULL ORDER BY seq LIMIT 100
"""
