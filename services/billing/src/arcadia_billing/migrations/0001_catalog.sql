-- Catalog: plans with immutable versions, add-ons with an append-only price history.

CREATE TABLE plans (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_by  text NOT NULL
);

CREATE TABLE plan_versions (
    id                   bigserial PRIMARY KEY,
    plan_code            text NOT NULL REFERENCES plans (code),
    version              integer NOT NULL CHECK (version >= 1),
    monthly_price_cents  bigint NOT NULL CHECK (monthly_price_cents >= 0),
    currency             text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    droplet_size         text NOT NULL,
    trial_days           integer NOT NULL DEFAULT 0 CHECK (trial_days BETWEEN 0 AND 365),
    effective_from       timestamptz NOT NULL,
    retired_at           timestamptz,
    created_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_by           text NOT NULL,
    UNIQUE (plan_code, version)
);

-- A version is a price a subscriber may be bound to: nothing about it changes once written,
-- except that it can be retired (once). A new price is a new version.
CREATE FUNCTION plan_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'plan version %/% cannot be deleted', OLD.plan_code, OLD.version;
    END IF;
    IF (NEW.id, NEW.plan_code, NEW.version, NEW.monthly_price_cents, NEW.currency,
        NEW.droplet_size, NEW.trial_days, NEW.effective_from, NEW.created_at, NEW.created_by)
       IS DISTINCT FROM
       (OLD.id, OLD.plan_code, OLD.version, OLD.monthly_price_cents, OLD.currency,
        OLD.droplet_size, OLD.trial_days, OLD.effective_from, OLD.created_at, OLD.created_by)
    THEN
        RAISE EXCEPTION 'plan version %/% is immutable: add a new version', OLD.plan_code, OLD.version;
    END IF;
    IF OLD.retired_at IS NOT NULL AND NEW.retired_at IS DISTINCT FROM OLD.retired_at THEN
        RAISE EXCEPTION 'plan version %/% is already retired', OLD.plan_code, OLD.version;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER plan_versions_immutable
    BEFORE UPDATE OR DELETE ON plan_versions
    FOR EACH ROW EXECUTE FUNCTION plan_versions_immutable();

CREATE TABLE addons (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    name        text NOT NULL,
    unit        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_by  text NOT NULL
);

CREATE TABLE addon_prices (
    id              bigserial PRIMARY KEY,
    addon_code      text NOT NULL REFERENCES addons (code),
    price_cents     bigint NOT NULL CHECK (price_cents >= 0),
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    effective_from  timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_by      text NOT NULL
);
CREATE INDEX addon_prices_current ON addon_prices (addon_code, effective_from DESC, id DESC);

-- Shared by every append-only table: history is added to, never rewritten.
CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER addon_prices_append_only
    BEFORE UPDATE OR DELETE ON addon_prices
    FOR EACH ROW EXECUTE FUNCTION append_only();
