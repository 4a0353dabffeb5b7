-- The droplet a provisioning saga created, so that DeploymentActivated can name it.
ALTER TABLE sagas ADD COLUMN droplet_id bigint;
