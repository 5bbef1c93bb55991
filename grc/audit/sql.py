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


# --- sanctioned purge (retention) ---------------------------------------------------------------
# The log stays append-only for everyone, with one exception: ``audit_accesslog_purge`` deletes a
# prefix of the chain (rows older than a date) after writing an anchor (seq and hash of the last
# purged row) in the append-only ``audit_accessloganchor`` table. The delete triggers let a row go
# only when the transaction-local setting ``grc.audit_purge_upto`` covers its seq AND an anchor
# with exactly that seq exists (checked once per statement). Verification starts from the latest
# anchor. The application's runtime role holds only SELECT and INSERT on both tables and does not
# own them (grc/dbroles.py), so it can neither delete rows nor switch these triggers off; the
# owner role (migrations) or a superuser could, and the chain with its daily verification would
# show it (docs/data-protection.md, "Integrity").
ANCHOR_TABLE = "audit_accessloganchor"
PURGE_SETTING = "grc.audit_purge_upto"

CREATE_PURGE = f"""
CREATE OR REPLACE FUNCTION audit_accesslog_chain() RETURNS trigger AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(113702161477479);
    SELECT seq, hash INTO last_seq, last_hash FROM {TABLE} ORDER BY seq DESC LIMIT 1;
    IF last_seq IS NULL THEN
        -- Everything was purged: continue the chain from the latest anchor.
        SELECT seq, hash INTO last_seq, last_hash FROM {ANCHOR_TABLE} ORDER BY seq DESC LIMIT 1;
    END IF;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
    IF NEW.at IS NULL THEN NEW.at := now(); END IF;
    NEW.hash := {ROW_HASH.format(r="NEW")};
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_accesslog_refuse() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = '{TABLE}'
       AND OLD.seq <= coalesce(nullif(current_setting('{PURGE_SETTING}', true), '')::bigint, 0) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_accesslog_purge_guard() RETURNS trigger AS $$
DECLARE
    upto bigint := coalesce(nullif(current_setting('{PURGE_SETTING}', true), '')::bigint, 0);
BEGIN
    -- Without the setting, the row trigger refuses every row; with it, an anchor must exist.
    IF upto = 0 OR EXISTS (SELECT 1 FROM {ANCHOR_TABLE} WHERE seq = upto) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the access log is append-only: DELETE refused outside audit_accesslog_purge()'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_accesslog_purge_guard BEFORE DELETE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_accesslog_purge_guard();

CREATE TRIGGER audit_anchor_no_update BEFORE UPDATE OR DELETE ON {ANCHOR_TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_accesslog_refuse();
CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON {ANCHOR_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_accesslog_refuse();

-- Purge rows older than p_before; returns the anchor seq and the number of rows deleted.
-- Rows are cut as a prefix of the chain: the first row at or after p_before (by date) and all
-- rows after it (by seq) stay.
CREATE OR REPLACE FUNCTION audit_accesslog_purge(p_before timestamptz, p_actor bigint, p_reason text)
RETURNS TABLE(anchor_seq bigint, purged bigint) AS $$
DECLARE
    v_upto bigint;
    v_hash text;
    v_prev bigint;
    v_count bigint;
BEGIN
    -- Same lock as inserts: the chain's end does not move while we cut its start.
    PERFORM pg_advisory_xact_lock(113702161477479);
    SELECT coalesce(max(seq), 0) INTO v_prev FROM {ANCHOR_TABLE};
    SELECT seq - 1 INTO v_upto FROM {TABLE} WHERE at >= p_before ORDER BY at, seq LIMIT 1;
    IF v_upto IS NULL THEN
        SELECT max(seq) INTO v_upto FROM {TABLE};
    END IF;
    IF v_upto IS NULL OR v_upto <= v_prev THEN
        RETURN QUERY SELECT v_prev, 0::bigint;
        RETURN;
    END IF;
    SELECT hash INTO v_hash FROM {TABLE} WHERE seq = v_upto;
    IF v_hash IS NULL THEN
        RAISE EXCEPTION 'access log row % is missing: purge refused (run verify_access_log)', v_upto;
    END IF;
    SELECT count(*) INTO v_count FROM {TABLE} WHERE seq <= v_upto;
    INSERT INTO {ANCHOR_TABLE} (created_at, seq, hash, before, purged_rows, actor_id, reason)
        VALUES (now(), v_upto, v_hash, p_before, v_count, p_actor, coalesce(p_reason, ''));
    PERFORM set_config('{PURGE_SETTING}', v_upto::text, true);
    DELETE FROM {TABLE} WHERE seq <= v_upto;
    PERFORM set_config('{PURGE_SETTING}', '', true);
    RETURN QUERY SELECT v_upto, v_count;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public;
"""

DROP_PURGE = f"""
DROP FUNCTION IF EXISTS audit_accesslog_purge(timestamptz, bigint, text);
DROP TRIGGER IF EXISTS audit_anchor_no_truncate ON {ANCHOR_TABLE};
DROP TRIGGER IF EXISTS audit_anchor_no_update ON {ANCHOR_TABLE};
DROP TRIGGER IF EXISTS audit_accesslog_purge_guard ON {TABLE};
DROP FUNCTION IF EXISTS audit_accesslog_purge_guard();
"""

# The functions as migration 0003 created them (to undo CREATE_PURGE).
ORIGINAL_FUNCTIONS = CREATE.split("CREATE TRIGGER", 1)[0]


# --- a floor under every purge, kept by the database -------------------------------------------
# ``audit_accesslog_purge`` runs with its owner's rights and the runtime role may call it (retention
# runs in the worker). Without a floor, that role could cut the whole log — leaving an anchor, but
# no trail. The floor is a function only the owner can replace (``set_min_retention_days``, run by
# ``migrate`` from ``ACCESS_LOG_MIN_RETENTION_DAYS``); the purge refuses any cut-off more recent than
# that many days, whoever calls it (0: no floor, for tests only).
MIN_RETENTION_FUNCTION = "audit_accesslog_min_retention_days"


def min_retention_sql(days: int) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {MIN_RETENTION_FUNCTION}() RETURNS integer "
        f"AS $$ SELECT {int(days)} $$ LANGUAGE sql IMMUTABLE"
    )


_PURGE_V1 = CREATE_PURGE[CREATE_PURGE.index("CREATE OR REPLACE FUNCTION audit_accesslog_purge(") :]
_FLOOR_CHECK = f"""    PERFORM pg_advisory_xact_lock(113702161477479);
    IF p_before IS NULL OR (public.{MIN_RETENTION_FUNCTION}() > 0
                            AND p_before > now() - make_interval(days => public.{MIN_RETENTION_FUNCTION}())) THEN
        RAISE EXCEPTION 'access-log rows younger than % days may not be purged', public.{MIN_RETENTION_FUNCTION}()
            USING ERRCODE = 'insufficient_privilege';
    END IF;
"""
if _PURGE_V1.count("    PERFORM pg_advisory_xact_lock(113702161477479);\n") != 1:  # pragma: no cover
    raise RuntimeError("audit_accesslog_purge changed: place the floor check again")
PURGE_WITH_FLOOR = _PURGE_V1.replace("    PERFORM pg_advisory_xact_lock(113702161477479);\n", _FLOOR_CHECK)


# --- the database dates and numbers every row (migration 0015) -----------------------------------
# The chain trigger used to keep a client-supplied ``at``: the runtime role could insert a row dated
# last year in another agent's name, and it verified. Now a supplied ``seq``, ``prev_hash`` or ``hash``
# is refused for everyone, and a supplied ``at`` (other than a moment of the transaction itself, which is
# what the column's default gives) is refused unless the current role is the table's owner or a member of
# it: seeders and tests that need past-dated rows use the owner path, ``audit_accesslog_write_dated``
# below (``grc.audit.services.access_log_write_dated``), which the runtime role may not execute.
SEAL_TABLE = "audit_accesslogseal"
DATED_WRITE_FUNCTION = "audit_accesslog_write_dated(timestamptz, bigint, text, text, text, bigint, text, inet, text)"

CHAIN_V3 = f"""
CREATE OR REPLACE FUNCTION audit_accesslog_chain() RETURNS trigger AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    IF NEW.seq IS NOT NULL OR coalesce(NEW.prev_hash, '') <> '' OR coalesce(NEW.hash, '') <> '' THEN
        RAISE EXCEPTION 'the access log numbers and chains its rows itself: seq, prev_hash and hash may not be given'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.at IS NULL THEN
        NEW.at := now();
    ELSIF NEW.at BETWEEN now() AND clock_timestamp() THEN
        NULL;  -- the column's default (statement time): a moment of this transaction, not a chosen date
    ELSIF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RAISE EXCEPTION 'the access log dates its rows itself: a given date is refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_advisory_xact_lock(113702161477479);
    SELECT seq, hash INTO last_seq, last_hash FROM {TABLE} ORDER BY seq DESC LIMIT 1;
    IF last_seq IS NULL THEN
        -- Everything was purged: continue the chain from the latest anchor.
        SELECT seq, hash INTO last_seq, last_hash FROM {ANCHOR_TABLE} ORDER BY seq DESC LIMIT 1;
    END IF;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
    NEW.hash := {ROW_HASH.format(r="NEW")};
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_accesslog_write_dated(
    p_at timestamptz, p_actor bigint, p_action text, p_object_type text, p_object_id text, p_citizen bigint,
    p_purpose text, p_ip inet, p_request_id text
) RETURNS TABLE(entry_id bigint, entry_seq bigint, entry_at timestamptz) AS $$
    INSERT INTO public.{TABLE} (at, actor_id, action, object_type, object_id, citizen_id, purpose, ip, request_id)
    VALUES (p_at, p_actor, p_action, p_object_type, p_object_id, p_citizen, p_purpose, p_ip, p_request_id)
    RETURNING id, seq, at
$$ LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public;
REVOKE ALL ON FUNCTION {DATED_WRITE_FUNCTION} FROM PUBLIC;

CREATE TRIGGER audit_seal_no_update BEFORE UPDATE OR DELETE ON {SEAL_TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_accesslog_refuse();
CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON {SEAL_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_accesslog_refuse();
"""

_CHAIN_V2 = CREATE_PURGE[: CREATE_PURGE.index("CREATE OR REPLACE FUNCTION audit_accesslog_refuse()")]
CHAIN_V3_REVERSE = (
    _CHAIN_V2
    + f"""
DROP TRIGGER IF EXISTS audit_seal_no_truncate ON {SEAL_TABLE};
DROP TRIGGER IF EXISTS audit_seal_no_update ON {SEAL_TABLE};
DROP FUNCTION IF EXISTS {DATED_WRITE_FUNCTION};
"""
)
