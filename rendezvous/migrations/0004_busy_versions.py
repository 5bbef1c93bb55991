"""The agents' busy versions, kept by the database (read by ``rendezvous.busy``).

Each insert, delete, and change of agent, times or status of an appointment or absence gives the agent concerned
(both agents on a move) a new version drawn from a sequence (never given twice, even after a rollback); a TRUNCATE
gives every agent a new one. A process caches an agent's busy intervals with the version it read them at.
"""

from django.db import migrations

FORWARD = """
CREATE SEQUENCE rendezvous_busy_seq;
CREATE TABLE rendezvous_busy_version (agent_id bigint PRIMARY KEY, version bigint NOT NULL);

CREATE FUNCTION rendezvous_busy_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO rendezvous_busy_version (agent_id, version) VALUES (OLD.agent_id, nextval('rendezvous_busy_seq'))
        ON CONFLICT (agent_id) DO UPDATE SET version = EXCLUDED.version;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.agent_id IS DISTINCT FROM OLD.agent_id) THEN
        INSERT INTO rendezvous_busy_version (agent_id, version) VALUES (NEW.agent_id, nextval('rendezvous_busy_seq'))
        ON CONFLICT (agent_id) DO UPDATE SET version = EXCLUDED.version;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION rendezvous_busy_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rendezvous_busy_version SET version = nextval('rendezvous_busy_seq');
    RETURN NULL;
END
$$;

CREATE TRIGGER rendezvous_busy_rdv
    AFTER INSERT OR DELETE OR UPDATE OF agent_id, starts_at, ends_at, status ON rendezvous_rendezvous
    FOR EACH ROW EXECUTE FUNCTION rendezvous_busy_bump();
CREATE TRIGGER rendezvous_busy_absence
    AFTER INSERT OR DELETE OR UPDATE OF agent_id, starts_at, ends_at ON rendezvous_absence
    FOR EACH ROW EXECUTE FUNCTION rendezvous_busy_bump();
CREATE TRIGGER rendezvous_busy_rdv_truncate
    AFTER TRUNCATE ON rendezvous_rendezvous FOR EACH STATEMENT EXECUTE FUNCTION rendezvous_busy_reset();
CREATE TRIGGER rendezvous_busy_absence_truncate
    AFTER TRUNCATE ON rendezvous_absence FOR EACH STATEMENT EXECUTE FUNCTION rendezvous_busy_reset();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS rendezvous_busy_absence_truncate ON rendezvous_absence;
DROP TRIGGER IF EXISTS rendezvous_busy_rdv_truncate ON rendezvous_rendezvous;
DROP TRIGGER IF EXISTS rendezvous_busy_absence ON rendezvous_absence;
DROP TRIGGER IF EXISTS rendezvous_busy_rdv ON rendezvous_rendezvous;
DROP FUNCTION IF EXISTS rendezvous_busy_reset();
DROP FUNCTION IF EXISTS rendezvous_busy_bump();
DROP TABLE IF EXISTS rendezvous_busy_version;
DROP SEQUENCE IF EXISTS rendezvous_busy_seq;
"""


class Migration(migrations.Migration):
    dependencies = [("rendezvous", "0003_busy_index")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
