-- The catalog every fresh database starts with (a migration runs once, so seeding is too).

INSERT INTO plans (code, name, created_by) VALUES
    ('studio', 'Studio', 'seed'),
    ('studio_pro', 'Studio Pro', 'seed');

INSERT INTO plan_versions
    (plan_code, version, monthly_price_cents, currency, droplet_size, effective_from, created_by)
VALUES
    ('studio', 1, 2900, 'USD', 's-1vcpu-1gb', '2020-01-01T00:00:00Z', 'seed'),
    ('studio_pro', 1, 5900, 'USD', 's-2vcpu-4gb', '2020-01-01T00:00:00Z', 'seed');

INSERT INTO addons (code, name, unit, created_by) VALUES
    ('storage_50gb', 'Block storage, 50 GB', '50 GB volume', 'seed');

INSERT INTO addon_prices (addon_code, price_cents, currency, effective_from, created_by) VALUES
    ('storage_50gb', 750, 'USD', '2020-01-01T00:00:00Z', 'seed');
